// The refresh lock outlives the refresh it guards. Two API instances on one real
// redis-server, the production deadlines (Salesforce 5 s, Auth0 8 s) and slow upstreams
// within them: a session's refresh happens once at Auth0, every request waits for it or is
// told to retry, and the session lives on both instances afterwards. Before the lease was
// derived from the deadlines (a fixed 10 s), this made two grants with one refresh token
// (reuse: Auth0 revoked the family) and ended the session.
import { randomBytes } from 'node:crypto';
import { ADA, GRACE, Client, auth0Calls, signIn, startStack, type Stack } from './harness.js';
import { describeWithRedis, startRedis, type RedisServer } from './redis.js';

/** The same cookies, sent to another instance. */
function on(stack: Stack, client: Client): Client {
  const other = new Client(stack.url);
  for (const [k, v] of client.jar) other.jar.set(k, v);
  return other;
}

const DAY = 25 * 3600_000; // past the emulator's 24 h access tokens

describeWithRedis('the refresh lease on two instances with slow upstreams', () => {
  let redis: RedisServer | undefined;
  let a: Stack;
  let b: Stack;

  beforeAll(async () => {
    redis = await startRedis();
    const env = {
      REDIS_URL: redis.url,
      KEY_PREFIX: `lease-${randomBytes(4).toString('hex')}:`,
      ELIGIBILITY_CACHE_SECONDS: '0',
      // The production defaults (the harness shortens them).
      AUTH0_TIMEOUT_MS: '8000',
      SALESFORCE_TIMEOUT_MS: '5000',
    };
    a = await startStack(env);
    b = await startStack(env, {}, { upstreams: { auth0: a.auth0, salesforce: a.salesforce } });
  });

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await redis?.stop();
  });

  afterEach(() => {
    a.auth0.clearFaults();
    a.salesforce.clearFaults();
    a.advance(0);
    b.setApiClockOffset(0);
  });

  /** A session both instances have loaded, and both clocks past its access token. */
  async function sessionAtRefreshTime(email: string): Promise<[Client, Client]> {
    const onA = await signIn(a, email);
    const onB = on(b, onA);
    expect((await onA.get('/api/me')).status).toBe(200);
    expect((await onB.get('/api/me')).status).toBe(200);
    a.advance(DAY);
    b.setApiClockOffset(DAY);
    return [onA, onB];
  }

  it('Salesforce +4.5 s and Auth0 +6 s: 50 parallel requests over both instances make exactly one refresh grant, none is a 500, and the session lives on both', async () => {
    const [onA, onB] = await sessionAtRefreshTime(ADA);
    const grants = auth0Calls(a, '/oauth/token');
    a.salesforce.setFaults({ latencyMs: 4_500, paths: ['/services/data'] });
    a.auth0.setFaults({ latencyMs: 6_000, paths: ['/oauth/token'] });

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? onB : onA).get('/api/me')),
    );

    expect(auth0Calls(a, '/oauth/token') - grants).toBe(1);
    for (const res of answers) {
      expect([200, 503]).toContain(res.status);
      if (res.status === 503) {
        expect(res.body.code).toBe('upstream_unavailable');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    // Every request waited for the one refresh (it fits the lease).
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(200));

    a.auth0.clearFaults();
    a.salesforce.clearFaults();
    // Alive on both instances, with the rotated tokens (no second grant, no reuse).
    expect((await onA.get('/api/greeting')).status).toBe(200);
    expect((await onB.get('/api/greeting')).status).toBe(200);
    expect((await onB.get('/api/me')).status).toBe(200);
    expect(auth0Calls(a, '/oauth/token') - grants).toBe(1);
  }, 60_000);

  it('Salesforce past its deadline at refresh time: 503 with Retry-After, no grant at Auth0, and the session is not ended', async () => {
    const [onA, onB] = await sessionAtRefreshTime(GRACE);
    const grants = auth0Calls(a, '/oauth/token');
    a.salesforce.setFaults({ latencyMs: 6_000, paths: ['/services/data'] });

    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? onB : onA).get('/api/me')),
    );
    for (const res of answers) {
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('upstream_unavailable');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(auth0Calls(a, '/oauth/token') - grants).toBe(0);

    a.salesforce.clearFaults();
    expect((await onA.get('/api/me')).status).toBe(200);
    expect((await onB.get('/api/me')).status).toBe(200);
    expect(auth0Calls(a, '/oauth/token') - grants).toBe(1);
  }, 60_000);
});
