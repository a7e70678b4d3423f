// The HTTP edge (issue 16): the CSRF rule holds for every spelling of a path, every answer
// (Fastify's and Node's own included) is problem+json with the security headers, and the
// request id is always ours.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ProblemSchema } from '@portcullis/shared';
import { securityHeaders } from '../src/common/security-headers.js';
import { ADA, signIn, startStack, type Stack } from './harness.js';
import { rawRequest, type RawReply } from './raw-http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectSecurityHeaders(headers: Record<string, string> | Headers) {
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : (headers[name] ?? null);
  for (const [name, value] of Object.entries(securityHeaders(false))) {
    expect([name, get(name)]).toEqual([name, value]);
  }
  expect(get('x-request-id')).toMatch(UUID);
}

function expectProblem(res: RawReply, status: number, code: string) {
  expect([res.status, res.json?.code]).toEqual([status, code]);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['cache-control']).toBe('no-store');
  const body = ProblemSchema.parse(res.json);
  expect(body.status).toBe(status);
  expectSecurityHeaders(res.headers);
}

describe('the HTTP edge', () => {
  let stack: Stack;
  let noSpa: string;

  beforeAll(async () => {
    // No built SPA: paths outside /api answer as the API does.
    noSpa = mkdtempSync(path.join(tmpdir(), 'portcullis-no-spa-'));
    stack = await startStack({ WEB_DIST_DIR: noSpa });
  });

  afterAll(async () => {
    await stack.stop();
    rmSync(noSpa, { recursive: true, force: true });
  });

  const host = () => new URL(stack.url).host;
  const request = (method: string, target: string, headers: Record<string, string> = {}) =>
    [
      `${method} ${target} HTTP/1.1`,
      `Host: ${host()}`,
      'Connection: close',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      '',
      '',
    ].join('\r\n');

  describe('CSRF applies to every unsafe request, whatever its path or encoding', () => {
    const targets = (absolute: string) => [
      ['POST', '/api/auth/logout'],
      ['POST', '/%61pi/auth/logout'],
      ['POST', '/%61%70%69/auth/logout'],
      ['POST', '/%2561pi/auth/logout'],
      ['POST', '/API/auth/logout'],
      ['POST', '/Api/Auth/Logout'],
      ['POST', '//api/auth/logout'],
      ['POST', '///api/auth/logout'],
      ['POST', '/api//auth/logout'],
      ['POST', '/api/./auth/logout'],
      ['POST', '/api/%2e/auth/logout'],
      ['POST', '/api/%2e%2e/api/auth/logout'],
      ['POST', '/x/../api/auth/logout'],
      ['POST', '/api/auth/logout/'],
      ['POST', '/api/auth/%6cogout'],
      ['POST', '/api/auth/logout;x'],
      ['POST', '/api/auth/logout?next=1'],
      ['POST', `${absolute}/api/auth/logout`],
      ['POST', '/login'],
      ['POST', '/'],
      ['PUT', '/%61pi/auth/logout'],
      ['PATCH', '/%61pi/auth/logout'],
      ['DELETE', '/%61pi/sessions'],
      ['DELETE', '//api/sessions'],
    ];
    const browsers: Array<[string, Record<string, string>]> = [
      ['Sec-Fetch-Site: cross-site', { 'Sec-Fetch-Site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site', { 'Sec-Fetch-Site': 'same-site' }],
      ['a foreign Origin', { Origin: 'https://evil.example' }],
      ['Origin: null', { Origin: 'null' }],
      ['both', { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' }],
    ];

    it('refuses every spelling with 403 csrf_rejected, and the session lives on', async () => {
      const client = await signIn(stack, ADA);
      const cookie = `portcullis=${client.session!}`;
      for (const [method, target] of targets(stack.url)) {
        for (const [what, headers] of browsers) {
          const res = await rawRequest(
            stack.url,
            request(method!, target!, { ...headers, Cookie: cookie, 'Content-Length': '0' }),
          );
          expect([method, target, what, res.status, res.json?.code]).toEqual([
            method,
            target,
            what,
            403,
            'csrf_rejected',
          ]);
          expectProblem(res, 403, 'csrf_rejected');
        }
      }
      // No logout and no session change went through.
      expect((await client.get('/api/me')).status).toBe(200);
      expect((await client.get('/api/sessions')).body.sessions).toHaveLength(1);
    });

    it('lets header-less clients and same-origin browsers through', async () => {
      const own = `http://${host()}`;
      const sameOrigin = { Origin: own, 'Sec-Fetch-Site': 'same-origin', 'Content-Length': '0' };
      const viaEncoding = await rawRequest(
        stack.url,
        request('POST', '/%61pi/auth/logout', sameOrigin),
      );
      expect(viaEncoding.status).toBe(204);
      expectSecurityHeaders(viaEncoding.headers);
      expect(
        (await rawRequest(stack.url, request('POST', '/api/auth/logout', sameOrigin))).status,
      ).toBe(204);
      expect(
        (
          await rawRequest(
            stack.url,
            request('POST', '/api/auth/logout', { 'Content-Length': '0' }),
          )
        ).status,
      ).toBe(204);
      // Safe methods are never refused, wherever they go.
      for (const target of ['/api/health/live', '/%61pi/health/live', '/']) {
        const res = await rawRequest(
          stack.url,
          request('GET', target, {
            'Sec-Fetch-Site': 'cross-site',
            Origin: 'https://evil.example',
          }),
        );
        expect([target, res.status === 403]).toEqual([target, false]);
      }
    });
  });

  describe('every answer is problem+json with the security headers, Fastify and Node errors included', () => {
    const start = '/api/auth/passwordless/start';
    const cases: Array<[string, () => string, number, string]> = [
      ['a URL that does not decode', () => request('GET', '/api/%ff'), 400, 'validation_failed'],
      ['a bad URL outside /api', () => request('GET', '/%ff'), 400, 'validation_failed'],
      [
        'a bad URL on an unsafe method',
        () => request('POST', '/api/auth/%zzlogout', { 'Content-Length': '0' }),
        400,
        'validation_failed',
      ],
      [
        'a path parameter over the length limit',
        () => request('DELETE', `/api/sessions/${'a'.repeat(500)}`),
        414,
        'uri_too_long',
      ],
      ['a route that does not exist', () => request('GET', '/nowhere'), 404, 'not_found'],
      ['an unknown /api route', () => request('GET', '/api/nowhere'), 404, 'not_found'],
      ['a method no route has', () => request('PROPFIND', '/api/me'), 404, 'not_found'],
      [
        'a body over the limit',
        () =>
          request('POST', start, {
            'Content-Type': 'application/json',
            'Content-Length': String(64 * 1024),
          }) + 'x'.repeat(64 * 1024),
        413,
        'payload_too_large',
      ],
      [
        'a Content-Length that is not a number',
        () => request('POST', start, { 'Content-Length': 'abc' }),
        400,
        'validation_failed',
      ],
      [
        'both Content-Length and Transfer-Encoding',
        () =>
          request('POST', start, { 'Transfer-Encoding': 'chunked', 'Content-Length': '3' }) +
          '0\r\n\r\n',
        400,
        'validation_failed',
      ],
      [
        'headers over the size limit',
        () => request('GET', '/api/health/live', { 'X-Padding': 'a'.repeat(20_000) }),
        431,
        'headers_too_large',
      ],
      [
        'a method HTTP does not have',
        () => request('FROB', '/api/health/live'),
        400,
        'validation_failed',
      ],
      ['bytes that are not HTTP', () => '\u0001\u0002 nonsense\r\n\r\n', 400, 'validation_failed'],
      [
        'an HTTP/1.1 request without Host',
        () => 'GET /api/health/live HTTP/1.1\r\nConnection: close\r\n\r\n',
        400,
        'validation_failed',
      ],
    ];

    it.each(cases)('%s', async (_what, text, status, code) => {
      expectProblem(await rawRequest(stack.url, text()), status, code);
    });

    it('an Expect it does not know is ignored, not answered with a bare 417', async () => {
      const res = await rawRequest(
        stack.url,
        request('GET', '/api/health/live', { Expect: 'something-else' }),
      );
      expect(res.status).toBe(200);
      expectSecurityHeaders(res.headers);
    });

    it('every framework answer is logged under a request id of ours', async () => {
      const res = await rawRequest(stack.url, request('GET', '/api/%ff', { 'X-Request-Id': 'x1' }));
      const line = stack.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.reqId === res.headers['x-request-id']);
      expect(line).toMatchObject({ msg: 'request', status: 400, clientRequestId: 'x1' });
    });
  });

  describe('the request id is always ours', () => {
    const lines = () => stack.logs.map((l) => JSON.parse(l) as Record<string, unknown>);

    it("never takes a client's X-Request-Id, and logs it beside ours as clientRequestId", async () => {
      const given = 'trace-0123.abc_DEF';
      const res = await stack.client().get('/api/health/live', { 'x-request-id': given });
      expect(res.status).toBe(200);
      const ours = res.headers.get('x-request-id');
      expect(ours).toMatch(UUID);
      expect(ours).not.toBe(given);
      const line = lines().find((l) => l.msg === 'request' && l.reqId === ours);
      expect(line).toMatchObject({ clientRequestId: given, path: '/api/health/live' });
      expect(lines().some((l) => l.reqId === given)).toBe(false);
    });

    it("the audit trail names the request by our id, not the client's", async () => {
      const given = 'audit-trace-1';
      const res = await stack
        .client()
        .post('/api/auth/passwordless/start', { email: ADA }, { 'x-request-id': given });
      expect(res.status).toBe(202);
      await stack.settle();
      const ours = res.headers.get('x-request-id');
      expect(lines().some((l) => l.audit === true && l.reqId === ours)).toBe(true);
      expect(lines().some((l) => l.reqId === given)).toBe(false);
    });

    it.each([
      ['too long', 'a'.repeat(65)],
      ['odd characters', 'abc<script>'],
      ['a space', 'abc def'],
    ])('does not log a client id with %s', async (_what, given) => {
      const res = await stack.client().get('/api/health/live', { 'x-request-id': given });
      const line = lines().find((l) => l.reqId === res.headers.get('x-request-id'));
      expect(line).toBeDefined();
      expect(line).not.toHaveProperty('clientRequestId');
    });
  });
});
