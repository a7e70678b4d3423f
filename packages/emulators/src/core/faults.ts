// Fault injection for the service routes (never the `/__emulator` controls): latency, an error
// status in the service's own shape, or a dropped connection, for the next n requests or all.
import type { Fields, Req, Res } from './body.js';

// unref: a pending injected delay must not keep a test process alive after stop().
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface FaultSpec {
  /** Delay before answering (or before failing), in milliseconds. */
  latencyMs?: number;
  /** Answer with this status instead of the real answer. */
  status?: number;
  /** How many requests the fault applies to; unlimited when absent. */
  count?: number;
  /** Only requests whose path starts with one of these; all service routes when absent. */
  paths?: string[];
  /** Close the connection without answering (a network failure), instead of `status`. */
  drop?: boolean;
  /**
   * With `status`: the error code the service puts in its body instead of its default for
   * that status (Auth0: `error`, e.g. `mfa_required`; Salesforce: `errorCode`).
   */
  error?: string;
  /** With `error`: the message (Auth0: `error_description`). */
  description?: string;
}

export class Faults {
  private spec: FaultSpec | undefined;
  private remaining = Infinity;

  set(spec: FaultSpec): void {
    this.spec = spec;
    this.remaining = spec.count ?? Infinity;
  }

  clear(): void {
    this.spec = undefined;
    this.remaining = Infinity;
  }

  get current(): FaultSpec | undefined {
    return this.spec;
  }

  /**
   * Applies the active fault to a request. Returns true when the request was answered
   * (or dropped) here; `fail` writes the service's own error body for `status`.
   */
  async apply(
    req: Req,
    res: Res,
    fail: (res: Res, status: number, spec: FaultSpec) => void,
  ): Promise<boolean> {
    const spec = this.spec;
    if (!spec || this.remaining <= 0) return false;
    const path = (req.url ?? '/').split('?')[0]!;
    if (spec.paths && !spec.paths.some((p) => path.startsWith(p))) return false;
    this.remaining -= 1;
    if (spec.latencyMs) await sleep(spec.latencyMs);
    if (spec.drop) {
      req.socket.destroy();
      return true;
    }
    if (spec.status) {
      fail(res, spec.status, spec);
      return true;
    }
    return false;
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Parses the body of `PUT /__emulator/faults`; returns an error message when malformed. */
export function parseFaultSpec(fields: Fields): FaultSpec | string {
  const spec: FaultSpec = {};
  const { latencyMs, status, count, paths, drop, error, description } = fields;
  if (latencyMs !== undefined) {
    if (!isInt(latencyMs) || latencyMs < 0 || latencyMs > 600_000)
      return 'latencyMs must be an integer between 0 and 600000';
    spec.latencyMs = latencyMs;
  }
  if (status !== undefined) {
    if (!isInt(status) || status < 400 || status > 599)
      return 'status must be an integer between 400 and 599';
    spec.status = status;
  }
  if (count !== undefined) {
    if (!isInt(count) || count < 1) return 'count must be a positive integer';
    spec.count = count;
  }
  if (paths !== undefined) {
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p.startsWith('/')))
      return 'paths must be an array of paths starting with /';
    spec.paths = paths as string[];
  }
  if (drop !== undefined) {
    if (typeof drop !== 'boolean') return 'drop must be a boolean';
    spec.drop = drop;
  }
  for (const [name, value] of [
    ['error', error],
    ['description', description],
  ] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length === 0 || value.length > 500)
      return `${name} must be a string of 1 to 500 characters`;
    if (spec.status === undefined) return `${name} needs a status`;
    spec[name] = value;
  }
  return spec;
}
