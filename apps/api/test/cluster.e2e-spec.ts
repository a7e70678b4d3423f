// Two API instances on one real redis-server, requests alternating between them: sessions,
// revocation and refresh hold across instances as they do in one.
import { randomBytes } from 'node:crypto';
import { SessionsResponseSchema } from '@portcullis/shared';
import { SessionStore } from '../src/session/session-store.js';
import { runSessionsCli } from '../src/session/sessions.cli.js';
import { ADA, GRACE, Client, auth0Calls, signIn, startStack, type Stack } from './harness.js';
import { START, VERIFY, requestCode, wrongCode } from './fixtures.js';
import { describeWithRedis, startRedis, type RedisServer } from './redis.js';

/** The same cookies, sent to another instance. */
function on(stack: Stack, client: Client): Client {
  const other = new Client(stack.url);
  for (const [k, v] of client.jar) other.jar.set(k, v);
  return other;
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A redis-server and two API instances on it (B on A's emulators) for the enclosing describe
 * block; `use` receives them once they run.
 */
function twoInstances(
  prefix: string,
  settings: Record<string, string>,
  use: (started: { a: Stack; b: Stack; env: Record<string, string> }) => void,
): void {
  let redis: RedisServer | undefined;
  let a: Stack | undefined;
  let b: Stack | undefined;
  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: `${prefix}-${randomBytes(4).toString('hex')}:`,
      ...settings,
    };
    a = await startStack(env);
    b = await startStack(env, {}, { upstreams: { auth0: a.auth0, salesforce: a.salesforce } });
    use({ a, b, env });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await redis?.stop();
  });
}

describeWithRedis('two instances on one Redis', () => {
  let a: Stack;
  let b: Stack;
  let env: Record<string, string>;
  twoInstances('test', { ELIGIBILITY_CACHE_SECONDS: '0' }, (started) => ({ a, b, env } = started));

  afterEach(() => {
    a.advance(0);
    b.setApiClockOffset(0);
  });

  it('a session made on A works on B, and each instance lists the sessions made on either', async () => {
    const onA = await signIn(a, ADA);
    const onB = await signIn(b, ADA);
    expect((await on(b, onA).get('/api/me')).status).toBe(200);
    expect((await on(a, onB).get('/api/me')).status).toBe(200);
    const fromA = SessionsResponseSchema.parse((await onA.get('/api/sessions')).body).sessions;
    const fromB = SessionsResponseSchema.parse(
      (await on(b, onA).get('/api/sessions')).body,
    ).sessions;
    expect(fromA.map((s) => s.id).sort()).toEqual(fromB.map((s) => s.id).sort());
    expect(fromA.length).toBeGreaterThanOrEqual(2);
  });

  it('logout on A is refused on B within 1 s, although B had the session cached', async () => {
    const client = await signIn(a, ADA);
    const viaB = on(b, client);
    for (let i = 0; i < 3; i++) expect((await viaB.get('/api/me')).status).toBe(200);
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    const ms = await waitFor(async () => (await viaB.get('/api/me')).status === 401, 1000);
    expect(ms).toBeLessThan(1000);
  });

  it('DELETE /api/sessions/:id on B ends a session that A has cached', async () => {
    const phone = await signIn(a, GRACE);
    const laptop = on(b, await signIn(a, GRACE));
    expect((await phone.get('/api/me')).status).toBe(200);
    const list = SessionsResponseSchema.parse((await phone.get('/api/sessions')).body).sessions;
    const phoneId = list.find((s) => s.current)!.id;
    expect((await laptop.delete(`/api/sessions/${phoneId}`)).status).toBe(204);
    await waitFor(async () => (await phone.get('/api/me')).status === 401, 1000);
  });

  it('concurrent requests on A and B after token expiry cause exactly one Auth0 refresh', async () => {
    const client = await signIn(a, ADA);
    const viaB = on(b, client);
    expect((await viaB.get('/api/me')).status).toBe(200);
    const before = auth0Calls(a, '/oauth/token');
    a.advance(25 * 3600_000); // the API's and Auth0's clocks past the 24 h access token
    b.setApiClockOffset(25 * 3600_000);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? viaB : client).get('/api/me')),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(auth0Calls(a, '/oauth/token')).toBe(before + 1);
    // Both instances carry on with the rotated tokens, without refreshing again.
    expect((await client.get('/api/greeting')).status).toBe(200);
    expect((await viaB.get('/api/greeting')).status).toBe(200);
    expect(auth0Calls(a, '/oauth/token')).toBe(before + 1);
  });

  it('a refresh lock let go without a result (that refresh failed) is taken over by a waiting instance', async () => {
    const client = await signIn(a, ADA);
    const me = (await client.get('/api/me')).body as { user: { id: string } };
    const ref = { id: client.session!.slice(0, 22), user: { id: me.user.id } };
    // Another process takes the lock and dies: it is never released, only expires (400 ms).
    const held = await b.app.get(SessionStore).lock(ref, 400);
    expect(held).toBeDefined();
    const before = auth0Calls(a, '/oauth/token');
    a.advance(25 * 3600_000);
    b.setApiClockOffset(25 * 3600_000);
    const res = await on(b, client).get('/api/me');
    expect(res.status).toBe(200);
    expect(auth0Calls(a, '/oauth/token')).toBe(before + 1);
  });

  it('the operator command ends a person’s sessions on every instance', async () => {
    const email = `operator.${randomBytes(3).toString('hex')}@example.com`;
    a.salesforce.createContact({
      FirstName: 'Op',
      LastName: 'Erator',
      Email: email,
      Portal_Access__c: true,
    });
    const one = await signIn(a, email);
    const two = await signIn(b, email);
    expect((await on(b, one).get('/api/me')).status).toBe(200);
    expect((await on(a, two).get('/api/me')).status).toBe(200);
    const out: string[] = [];
    const cliEnv = {
      ...env,
      AUTH0_DOMAIN: a.auth0.domain,
      AUTH0_CLIENT_ID: a.auth0.clientId,
      AUTH0_CLIENT_SECRET: a.auth0.clientSecret,
      AUTH0_AUDIENCE: a.auth0.audience,
      SALESFORCE_LOGIN_URL: a.salesforce.url,
      SALESFORCE_CLIENT_ID: 'portcullis-dev',
      SALESFORCE_CLIENT_SECRET: 'portcullis-dev-secret',
      SESSION_SECRET: a.config.session.secrets[0]!,
    };
    const io = { out: (l: string) => out.push(l), err: (l: string) => out.push(l) };
    const listed = await runSessionsCli(['list', '--email', email], cliEnv, io);
    expect(listed).toBe(0);
    expect(out.filter((l) => /created/.test(l))).toHaveLength(2);
    const revokes = auth0Calls(a, '/oauth/revoke');
    expect(await runSessionsCli(['revoke', '--email', email], cliEnv, io)).toBe(0);
    expect(out.at(-1)).toBe(`ended 2 sessions of ${email}`);
    expect(auth0Calls(a, '/oauth/revoke')).toBe(revokes + 2);
    for (const [stack, client] of [
      [a, one],
      [b, one],
      [a, two],
      [b, two],
    ] as const) {
      await waitFor(async () => (await on(stack, client).get('/api/me')).status === 401, 1000);
    }
  });
});

describeWithRedis('limits across two instances on one Redis', () => {
  let a: Stack;
  let b: Stack;
  twoInstances(
    'limits',
    {
      CODE_RESEND_SECONDS: '0',
      CODES_PER_EMAIL_PER_HOUR: '4',
      FAILED_CODES_PER_EMAIL: '10',
      LOCKOUT_SECONDS: '900',
    },
    (started) => ({ a, b } = started),
  );

  it('the per-address code limit holds exactly across instances under concurrent requests', async () => {
    const email = `limit.${randomBytes(3).toString('hex')}@example.com`;
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a).client().post(START, { email })),
    );
    const ok = replies.filter((r) => r.status === 202).length;
    expect(ok).toBe(4); // CODES_PER_EMAIL_PER_HOUR, counted once for both instances
    for (const r of replies) expect([202, 429]).toContain(r.status);
  });

  it('40 parallel wrong codes spread over both instances: at most 10 reach Auth0, then the address is locked on both', async () => {
    const email = ADA;
    const code = await requestCode(a, email);
    await b.settle();
    const bad = wrongCode(code);
    const before = auth0Calls(a, '/oauth/token');
    const replies = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        (i % 2 ? b : a).client().post(VERIFY, { email, code: bad }),
      ),
    );
    const reached = auth0Calls(a, '/oauth/token') - before;
    expect(reached).toBeGreaterThan(0);
    expect(reached).toBeLessThanOrEqual(10);
    for (const r of replies) expect([401, 429]).toContain(r.status);
    // Locked everywhere, even for the right code.
    for (const stack of [a, b]) {
      const res = await stack.client().post(VERIFY, { email, code });
      expect(res.status).toBe(429);
    }
  });
});

describeWithRedis('Redis faults', () => {
  let redis: RedisServer;
  let stack: Stack;

  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack({
      REDIS_URL: redis.url,
      KEY_PREFIX: `fault-${randomBytes(4).toString('hex')}:`,
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await redis?.stop();
  });

  it('Redis lost: 503 upstream_unavailable with Retry-After (never 500, no revocation reported), cached sessions go on until the staleness bound; back: recovery without a restart', async () => {
    const cached = await signIn(stack, ADA);
    expect((await cached.get('/api/me')).status).toBe(200);
    await redis.stop();

    // Readiness says so.
    const ready = await stack.client().get('/api/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis.status).toBe('down');

    // Sign-in, logout and session changes need the store: 503, and the session is not
    // reported ended.
    const start = await stack.client().post('/api/auth/passwordless/start', { email: GRACE });
    expect([202, 503]).toContain(start.status); // start itself may not need Redis
    const logout = await cached.copy().post('/api/auth/logout');
    expect(logout.status).toBe(503);
    expect(logout.body.code).toBe('upstream_unavailable');
    expect(Number(logout.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(logout.setCookies).toEqual([]);
    const endOthers = await cached.delete('/api/sessions');
    expect(endOthers.status).toBe(503);
    const list = await cached.get('/api/sessions');
    expect(list.status).toBe(503);

    // The session this instance has cached goes on within the staleness bound...
    expect((await cached.get('/api/me')).status).toBe(200);
    // ...and past it, it is not trusted: 503, not 401 (the session was not ended).
    stack.setApiClockOffset(6_000);
    const stale = await cached.get('/api/me');
    expect(stale.status).toBe(503);
    expect(stale.body.code).toBe('upstream_unavailable');

    // Redis back (empty: no persistence): the API recovers without a restart.
    await redis.start();
    stack.setApiClockOffset(0);
    await waitFor(async () => {
      const res = await stack.client().get('/api/health/ready');
      return res.status === 200;
    }, 15_000);
    const again = await signIn(stack, GRACE);
    expect((await again.get('/api/me')).status).toBe(200);
  });
});
