// The log of service requests (never controls) that `GET /__emulator/requests` and
// `requests()` answer, timestamped by the emulator's clock.
import type { Req } from './body.js';
import { systemClock, type Clock } from './clock.js';

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
  constructor(
    private readonly max = 1000,
    private readonly now: Clock = systemClock,
  ) {}

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
      at: new Date(this.now()).toISOString(),
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
