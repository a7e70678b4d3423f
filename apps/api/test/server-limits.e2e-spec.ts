// Slow clients are timed out and connections are capped (issue 16). Each test runs an API
// with short limits beside the harness's stack (same emulators, same configuration), so it
// takes a second, not the production minutes.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ProblemSchema } from '@portcullis/shared';
import { createApp } from '../src/app.js';
import { SERVER_LIMITS, type ServerLimits } from '../src/http/server-limits.js';
import { accessClaims, auth0Calls, startStack, type Stack } from './harness.js';
import { open, parseResponse, parseResponses, type RawConnection } from './raw-http.js';

const LIMITS: Partial<ServerLimits> = {
  headersTimeoutMs: 300,
  requestTimeoutMs: 600,
  timeoutCheckIntervalMs: 50,
};
/** How late a limit may be enforced: one check interval, plus slack for a busy test machine. */
const SLACK_MS = 1000;

describe('server limits', () => {
  let stack: Stack;
  let api: NestFastifyApplication | undefined;
  const connections: RawConnection[] = [];

  beforeAll(async () => {
    stack = await startStack();
  });

  afterEach(async () => {
    for (const c of connections.splice(0)) c.destroy();
    await api?.close();
    api = undefined;
  });

  afterAll(async () => {
    await stack.stop();
  });

  async function startApi(limits: Partial<ServerLimits>): Promise<string> {
    api = await createApp(stack.config, { logSink: () => {}, serverLimits: limits });
    await api.listen({ port: 0, host: '127.0.0.1' });
    const address = api.getHttpServer().address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async function connect(url: string): Promise<RawConnection> {
    const conn = await open(url);
    connections.push(conn);
    return conn;
  }

  /** Writes one byte of `text` every `everyMs` until the socket closes or the text runs out. */
  function trickle(conn: RawConnection, text: string, everyMs: number): void {
    let at = 0;
    const timer = setInterval(() => {
      if (conn.socket.destroyed || at >= text.length) clearInterval(timer);
      else conn.socket.write(text[at++]!);
    }, everyMs);
    void conn.closed.then(() => clearInterval(timer));
  }

  /** Waits for the socket to close, and returns how long after `since` it did. */
  async function closedWithin(conn: RawConnection, since: number, limitMs: number) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`still open after ${limitMs} ms`)), limitMs);
    });
    try {
      await Promise.race([conn.closed, late]);
    } finally {
      clearTimeout(timer);
    }
    return Date.now() - since;
  }

  function expect408(conn: RawConnection) {
    const res = parseResponse(conn.received());
    expect(res?.status).toBe(408);
    expect(res?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res?.headers['x-frame-options']).toBe('DENY');
    expect(res?.headers['content-security-policy']).toContain("default-src 'self'");
    expect(ProblemSchema.parse(res?.json).code).toBe('request_timeout');
  }

  it('has production limits that bound slow clients and connections', () => {
    expect(SERVER_LIMITS.headersTimeoutMs).toBeLessThanOrEqual(SERVER_LIMITS.requestTimeoutMs);
    expect(SERVER_LIMITS.requestTimeoutMs).toBeLessThanOrEqual(60_000);
    expect(SERVER_LIMITS.timeoutCheckIntervalMs).toBeLessThanOrEqual(5000);
    expect(SERVER_LIMITS.maxConnections).toBeGreaterThan(0);
    expect(Number.isFinite(SERVER_LIMITS.maxConnections)).toBe(true);
  });

  it('answers a body that trickles in with 408 request_timeout and closes the connection', async () => {
    const url = await startApi(LIMITS);
    const conn = await connect(url);
    const startedAt = Date.now();
    conn.socket.write(
      [
        'POST /api/auth/passwordless/start HTTP/1.1',
        `Host: ${new URL(url).host}`,
        'Content-Type: application/json',
        'Content-Length: 200',
        '',
        '{"email":',
      ].join('\r\n'),
    );
    // One byte every 100 ms: never idle, never done.
    trickle(conn, ` "${'a'.repeat(150)}@example.com"}`, 100);
    const took = await closedWithin(conn, startedAt, LIMITS.requestTimeoutMs! + SLACK_MS);
    expect(took).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs! - 50);
    expect408(conn);
  });

  it('answers headers that trickle in with 408 and closes the connection', async () => {
    const url = await startApi(LIMITS);
    const conn = await connect(url);
    const startedAt = Date.now();
    conn.socket.write(`GET /api/health/live HTTP/1.1\r\nHost: ${new URL(url).host}\r\n`);
    trickle(conn, `X-Slow: ${'a'.repeat(100)}\r\n\r\n`, 50);
    await closedWithin(conn, startedAt, LIMITS.headersTimeoutMs! + SLACK_MS);
    expect408(conn);
  });

  it('closes a connection that sends nothing', async () => {
    const url = await startApi(LIMITS);
    const conn = await connect(url);
    await closedWithin(conn, Date.now(), LIMITS.headersTimeoutMs! + SLACK_MS);
  });

  it('serves requests that arrive in time on the same limits', async () => {
    const url = await startApi(LIMITS);
    const conn = await connect(url);
    conn.socket.write(
      `GET /api/health/live HTTP/1.1\r\nHost: ${new URL(url).host}\r\nConnection: close\r\n\r\n`,
    );
    expect((await conn.response()).status).toBe(200);
  });

  it('closes connections past the cap as they arrive, and takes new ones once there is room', async () => {
    const url = await startApi({ maxConnections: 2 });
    const request = `GET /api/health/live HTTP/1.1\r\nHost: ${new URL(url).host}\r\n\r\n`;
    // Two kept-alive connections, each known to the server (it has answered on both).
    const held: RawConnection[] = [];
    for (let i = 0; i < 2; i++) {
      const conn = await connect(url);
      conn.socket.write(request);
      expect((await conn.response()).status).toBe(200);
      held.push(conn);
    }
    const refused = await connect(url).catch(() => undefined);
    if (refused) {
      refused.socket.write(request);
      await closedWithin(refused, Date.now(), 2000);
      expect(refused.received()).toBe('');
    }
    held[0]!.destroy();
    await held[0]!.closed;
    // Room again once the server has seen the close: poll with a deadline.
    const deadline = Date.now() + 2000;
    for (;;) {
      const conn = await connect(url).catch(() => undefined);
      conn?.socket.write(request);
      const res = await conn?.response(500).catch(() => undefined);
      if (res?.status === 200) break;
      if (Date.now() > deadline) throw new Error('no room after a connection closed');
    }
  });

  it('answers a request that arrives while the server shuts down with 503 shutting_down', async () => {
    const url = await startApi({});
    const app = api!;
    api = undefined;
    const host = new URL(url).host;
    const conn = await connect(url);
    // A request still being handled keeps its connection busy, so shutting down waits for
    // it rather than closing the socket: a Bearer token whose key is slow to fetch.
    const jwks = () => auth0Calls(stack, '/.well-known/jwks.json');
    const fetched = jwks();
    stack.auth0.setFaults({ latencyMs: 500, paths: ['/.well-known/jwks.json'] });
    const token = stack.auth0.signToken(accessClaims(stack));
    conn.socket.write(
      `GET /api/greeting HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
    await until(() => jwks() > fetched, 'the first request to reach its handler');
    const closing = app.close();
    await until(() => !app.getHttpServer().listening, 'the server to start closing');
    // A second request follows on the same connection.
    conn.socket.write(`GET /api/health/live HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await closedWithin(conn, Date.now(), 5000);
    await closing;
    stack.auth0.clearFaults();
    const [first, second] = parseResponses(conn.received());
    expect(first?.status).toEqual(expect.any(Number));
    expect(second?.status).toBe(503);
    expect(second?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(second?.headers['retry-after']).toBe('1');
    expect(second?.headers.connection).toBe('close');
    expect(second?.headers['x-frame-options']).toBe('DENY');
    expect(ProblemSchema.parse(second?.json).code).toBe('shutting_down');
  });
});

/** Polls `condition` until it holds, failing past a deadline. */
async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
