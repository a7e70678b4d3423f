// The `/__emulator/*` controls' one response convention, shared by both emulators (tests, the
// SPA's dev tooling and outside clients rely on it):
//
//   GET                 200 { <name>: value }          e.g. { faults }, { requests }, { messages }
//   PUT (a setting)     200 { <name>: new value }      the same body a GET then answers
//   POST (creates)      201 { id }
//   POST (an action)    200 { <result> } when the action has one (keys/rotate: { kid }),
//                       else 204, as for DELETE and PATCH of a record
//   errors              { error: message }, plus `errorCode` when a record write is refused:
//                       400 bad body or value, 404 unknown control or record, 405 wrong method
//                       (with `Allow`)
//
// Controls need no credentials, are never subject to faults and are not in the request log.
import {
  BodyError,
  MAX_BODY_BYTES,
  declaredLength,
  readFields,
  sendEmpty,
  sendJson,
  type Fields,
  type Req,
  type Res,
} from './body.js';

/** A control refused: answered `{ error: message, ...extra }` with `status`. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendControlError(res: Res, err: ControlError): void {
  sendJson(res, err.status, { error: err.message, ...err.extra }, err.headers);
}

/** A control's JSON body (empty is `{}`); anything else is a 400 ControlError. */
export async function readControlBody(req: Req): Promise<Fields> {
  if ((declaredLength(req) ?? 0) > MAX_BODY_BYTES)
    throw new ControlError(
      400,
      `request body over ${MAX_BODY_BYTES} bytes`,
      {},
      {
        connection: 'close',
      },
    );
  try {
    return await readFields(req, ['json']);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    throw new ControlError(400, err.message);
  }
}

/** The value of a `parseX(fields) -> value | error message` validator, or a 400 ControlError. */
export function valid<T>(parsed: T | string): T {
  if (typeof parsed === 'string') throw new ControlError(400, parsed);
  return parsed;
}

/** 200 with a body: a read, a setting's new value, or an action's result. */
export const answer = (res: Res, body: Record<string, unknown>) => sendJson(res, 200, body);
/** 201 `{ id }`: something was created. */
export const created = (res: Res, id: string) => sendJson(res, 201, { id });
/** 204: done, nothing to report. */
export const done = (res: Res) => sendEmpty(res, 204);
