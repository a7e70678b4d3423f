// The server core both emulators are built on: one request handler that sends `/__emulator/*`
// to the controls (the shared ones below plus the emulator's own) and everything else through
// the request log, the active fault and the service's route table. What is service-specific
// (error shapes, not-found and wrong-method answers) comes in as options.
import type { Req, Res } from './body.js';
import type { Clock } from './clock.js';
import {
  ControlError,
  answer,
  done,
  readControlBody,
  sendControlError,
  valid,
} from './controls.js';
import { Faults, parseFaultSpec, type FaultSpec } from './faults.js';
import { safeHandler } from './listen.js';
import { RequestLog } from './request-log.js';
import { splitUrl, type RouteContext, type RouteTable } from './routes.js';

export interface EmulatorCoreOptions {
  now: Clock;
  /** The service's routes (the real API the emulator stands in for). */
  service: RouteTable;
  /** The emulator's own controls, paths starting `/__emulator/`; the shared ones are added. */
  controls: RouteTable;
  /** Forgets the emulator's own state; faults and the request log are cleared here too. */
  resetState: () => void;
  /** Writes the service's own error body for an injected fault status. */
  answerFault: (ctx: RouteContext, status: number, spec: FaultSpec) => void;
  /** No service route has this path. */
  notFound: (ctx: RouteContext) => void;
  /** The path exists, not for this method. */
  methodNotAllowed: (ctx: RouteContext, allow: string[]) => void;
  /** Answers an error a service handler threw when it is one of the service's own; else false. */
  serviceError?: (ctx: RouteContext, err: unknown) => boolean;
  /** A bug: answer 500 in the service's shape (after logging it). */
  internalError: (res: Res, err: unknown) => void;
  /** Called for each service request after it is logged, before faults. */
  onServiceRequest?: (ctx: RouteContext) => void;
}

export interface EmulatorCore {
  handler: (req: Req, res: Res) => void;
  faults: Faults;
  requestLog: RequestLog;
  /** The emulator's state, faults and the request log. */
  reset: () => void;
}

const CONTROL_PREFIX = '/__emulator';

export function createEmulatorCore(opts: EmulatorCoreOptions): EmulatorCore {
  const faults = new Faults();
  const requestLog = new RequestLog(1000, opts.now);
  const reset = () => {
    opts.resetState();
    faults.clear();
    requestLog.clear();
  };

  const controls = opts.controls;
  controls
    .on('GET', '/__emulator/faults', ({ res }) => answer(res, { faults: faults.current ?? null }))
    .on('PUT', '/__emulator/faults', async ({ req, res }) => {
      const spec = valid(parseFaultSpec(await readControlBody(req)));
      faults.set(spec);
      answer(res, { faults: spec });
    })
    .on('DELETE', '/__emulator/faults', ({ res }) => {
      faults.clear();
      done(res);
    })
    .on('GET', '/__emulator/requests', ({ res }) => answer(res, { requests: requestLog.list() }))
    .on('POST', '/__emulator/reset', ({ res }) => {
      reset();
      done(res);
    });

  async function control(ctx: RouteContext): Promise<void> {
    // Empty segments are ignored: `/__emulator//faults/` is `/__emulator/faults`.
    const parts = ctx.path.split('/').filter((p) => p !== '');
    const path = `/${parts.join('/')}`;
    try {
      const match = parts.length > 1 ? controls.match(ctx.method, path) : undefined;
      if (!match) throw new ControlError(404, `no emulator control at ${ctx.path}`);
      if ('allow' in match)
        throw new ControlError(
          405,
          `method ${ctx.method} not allowed on ${ctx.path}`,
          {},
          {
            allow: match.allow.join(', '),
          },
        );
      await match.handler({ ...ctx, params: match.params });
    } catch (err) {
      if (!(err instanceof ControlError)) throw err;
      sendControlError(ctx.res, err);
    }
  }

  async function service(ctx: RouteContext): Promise<void> {
    requestLog.record(ctx.req);
    opts.onServiceRequest?.(ctx);
    const fail = (_res: Res, status: number, spec: FaultSpec) =>
      opts.answerFault(ctx, status, spec);
    if (await faults.apply(ctx.req, ctx.res, fail)) return;
    try {
      const match = opts.service.match(ctx.method, ctx.path);
      if (!match) return opts.notFound(ctx);
      if ('allow' in match) return opts.methodNotAllowed(ctx, match.allow);
      await match.handler({ ...ctx, params: match.params });
    } catch (err) {
      if (!opts.serviceError?.(ctx, err)) throw err;
    }
  }

  const handler = safeHandler(async (req, res) => {
    const { path, search } = splitUrl(req.url ?? '/');
    const ctx: RouteContext = {
      req,
      res,
      method: req.method ?? 'GET',
      path,
      query: new URLSearchParams(search),
      params: {},
    };
    if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) return control(ctx);
    return service(ctx);
  }, opts.internalError);

  return { handler, faults, requestLog, reset };
}
