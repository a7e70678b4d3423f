// Request bodies and JSON answers: parsing with the real services' error shapes left to the
// caller. Plain node:http(s) on purpose: the emulators have no framework between them and the wire.
import type http from 'node:http';

export type Req = http.IncomingMessage;
export type Res = http.ServerResponse;

export const MAX_BODY_BYTES = 64 * 1024;

export class BodyError extends Error {
  constructor(
    readonly reason: 'too_large' | 'bad_json' | 'unsupported_media_type' | 'not_an_object',
    message: string,
  ) {
    super(message);
  }
}

/** The declared `Content-Length`, or undefined when absent or not a number. */
export function declaredLength(req: Req): number | undefined {
  const v = req.headers['content-length'];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

export async function readBody(req: Req, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new BodyError('too_large', `request body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export type Fields = Record<string, unknown>;

/**
 * Parses a JSON object or an application/x-www-form-urlencoded body into plain fields.
 * An empty body is `{}`. `accept` says which media types the route takes.
 */
export async function readFields(
  req: Req,
  accept: Array<'json' | 'form'> = ['json', 'form'],
): Promise<Fields> {
  const raw = await readBody(req);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (raw.length === 0) return {};
  if (type === 'application/json' || type.endsWith('+json')) {
    if (!accept.includes('json'))
      throw new BodyError('unsupported_media_type', `unsupported content type ${type}`);
    let value: unknown;
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new BodyError('bad_json', 'body is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new BodyError('not_an_object', 'body must be a JSON object');
    }
    return value as Fields;
  }
  if (type === 'application/x-www-form-urlencoded') {
    if (!accept.includes('form'))
      throw new BodyError('unsupported_media_type', `unsupported content type ${type}`);
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  throw new BodyError('unsupported_media_type', `unsupported content type ${type || '(none)'}`);
}

/** A field as a string, or undefined when absent or not a string. */
export function str(fields: Fields, name: string): string | undefined {
  const v = fields[name];
  return typeof v === 'string' ? v : undefined;
}

export function sendJson(
  res: Res,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: Res, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}
