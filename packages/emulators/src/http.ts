// Small HTTP plumbing shared by both emulators: body parsing with the real services' error
// shapes left to the caller, fault injection, a request log and start/stop on a port.
// Plain node:http(s) on purpose: the emulators have no framework between them and the wire.
import { once } from 'node:events';
import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';

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

/** Fault injection for the service routes (never the `/__emulator` controls). */
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

/** Parses the body of `PUT /__emulator/faults`; returns an error message when malformed. */
export function parseFaultSpec(fields: Fields): FaultSpec | string {
  const spec: FaultSpec = {};
  const { latencyMs, status, count, paths, drop, error, description } = fields;
  if (latencyMs !== undefined) {
    if (
      typeof latencyMs !== 'number' ||
      !Number.isInteger(latencyMs) ||
      latencyMs < 0 ||
      latencyMs > 600_000
    )
      return 'latencyMs must be an integer between 0 and 600000';
    spec.latencyMs = latencyMs;
  }
  if (status !== undefined) {
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 400 || status > 599)
      return 'status must be an integer between 400 and 599';
    spec.status = status;
  }
  if (count !== undefined) {
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1)
      return 'count must be a positive integer';
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

export interface LoggedRequest {
  method: string;
  path: string;
  /** Query string parameters, e.g. the SOQL of a query. */
  query: Record<string, string>;
  at: string;
  headers: Record<string, string>;
}

/** Headers worth asserting on in tests; credentials are never recorded. */
const LOGGED_HEADERS = ['auth0-forwarded-for', 'auth0-client', 'user-agent', 'content-type'];

export class RequestLog {
  private entries: LoggedRequest[] = [];
  constructor(private readonly max = 1000) {}

  record(req: Req): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://emulator');
    } catch {
      // A request target no URL parser accepts (e.g. `http://[`): log it as the raw path.
      url = new URL('http://emulator/');
      url.pathname = '/(unparseable)';
    }
    const headers: Record<string, string> = {};
    for (const name of LOGGED_HEADERS) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    this.entries.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      at: new Date().toISOString(),
      headers,
    });
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
  }

  list(): LoggedRequest[] {
    return [...this.entries];
  }

  clear(): void {
    this.entries = [];
  }
}

export interface Listening {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Listens on host:port (port 0 picks a free one) and returns the base URL. The URL names
 * `localhost`, which the dev certificate covers and which resolves to loopback.
 */
export async function listen(
  server: http.Server | https.Server,
  { port, host, protocol }: { port: number; host: string; protocol: 'http' | 'https' },
): Promise<Listening> {
  server.listen(port, host);
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `${protocol}://localhost:${actual}`,
    port: actual,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Wraps a request handler so a bug answers 500 instead of crashing or hanging. */
export function safeHandler(
  handler: (req: Req, res: Res) => Promise<void>,
  onError: (res: Res, err: unknown) => void,
): (req: Req, res: Res) => void {
  return (req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      onError(res, err);
    });
  };
}
