import { ProblemSchema } from '@portcullis/shared';
import { ADA, CHARLES, auth0Calls, signIn, startStack, type Stack } from './harness.js';
import { START, VERIFY, freshUpstreams, requestCode, useStack } from './fixtures.js';

describe('Salesforce failures fail closed: 503, quickly, no code sent', () => {
  let stack: Stack;

  beforeEach(async () => {
    // A fresh stack each time: the repository's login budget and caches start clean.
    stack = await startStack({ ELIGIBILITY_CACHE_SECONDS: '0', SALESFORCE_TIMEOUT_MS: '500' });
  });

  afterEach(async () => {
    await stack.stop();
  });

  async function expectUnavailable(email = ADA) {
    const res = await stack.client().post(START, { email });
    expect(res.status).toBe(503);
    expect(ProblemSchema.parse(res.body).code).toBe('upstream_unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    await stack.settle();
    expect(auth0Calls(stack, '/passwordless/start')).toBe(0);
    return res;
  }

  it('Salesforce answering 503 to the login', async () => {
    stack.salesforce.setFaults({ status: 503 });
    await expectUnavailable();
  });

  it('Salesforce answering 503 to the query', async () => {
    stack.salesforce.setFaults({ status: 503, paths: ['/services/data/'] });
    await expectUnavailable();
    // jsforce's automatic GET retries are off: one query, not six.
    expect(stack.salesforce.requests().filter((r) => r.path.includes('/query')).length).toBe(1);
  });

  it('Salesforce dropping connections', async () => {
    stack.salesforce.setFaults({ drop: true });
    await expectUnavailable();
  });

  it('Salesforce slower than the deadline', async () => {
    stack.salesforce.setFaults({ latencyMs: 10_000, paths: ['/services/data/'] });
    const started = Date.now();
    await expectUnavailable();
    // The deadline is 500 ms; without it this would take the full 10 s.
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('Salesforce answering 401 forever: refreshes are capped, then 503', async () => {
    stack.salesforce.setFaults({ status: 401, paths: ['/services/data/'] });
    await expectUnavailable();
    await expectUnavailable(CHARLES);
    const tokenRequests = stack.salesforce
      .requests()
      .filter((r) => r.path === '/services/oauth2/token').length;
    expect(tokenRequests).toBeLessThanOrEqual(3);
  });

  it('recovers once Salesforce is back', async () => {
    stack.salesforce.setFaults({ status: 503, count: 1 });
    await expectUnavailable();
    const ok = await stack.client().post(START, { email: ADA });
    expect(ok.status).toBe(202);
  });
});

describe('Auth0 failures', () => {
  const stack = useStack({}, { reset: freshUpstreams });

  it('start still answers 202 (no enumeration) and logs the failed send', async () => {
    stack.auth0.setFaults({ status: 503 });
    const res = await stack.client().post(START, { email: ADA });
    expect(res.status).toBe(202);
    await stack.settle();
    expect(stack.logs.some((l) => l.includes('"event":"code_send_failed"'))).toBe(true);
  });

  it('verify answers 503 when Auth0 is down or unreachable', async () => {
    const client = stack.client();
    const code = await requestCode(stack, ADA, client);
    stack.auth0.setFaults({ status: 503, paths: ['/oauth/token'] });
    const down = await client.post(VERIFY, { email: ADA, code });
    expect(down.status).toBe(503);
    expect(ProblemSchema.parse(down.body).code).toBe('upstream_unavailable');
    stack.auth0.setFaults({ drop: true, paths: ['/oauth/token'] });
    const dropped = await client.post(VERIFY, { email: ADA, code });
    expect(dropped.status).toBe(503);
    expect(client.jar.size).toBe(0);
  });

  it('refresh answers 503 when Auth0 is down, and keeps the session for a retry', async () => {
    const client = await signIn(stack, ADA);
    const cookie = client.jar.get('portcullis');
    stack.auth0.setFaults({ status: 503, paths: ['/oauth/token'] });
    const res = await client.post('/api/auth/refresh');
    expect(res.status).toBe(503);
    expect(client.jar.get('portcullis')).toBe(cookie);
    stack.auth0.clearFaults();
    expect((await client.post('/api/auth/refresh')).status).toBe(200);
  });

  it('Auth0 rate limiting at verify is a 429 with Retry-After', async () => {
    const client = stack.client();
    const code = await requestCode(stack, ADA, client);
    stack.auth0.setFaults({ status: 429, paths: ['/oauth/token'] });
    const res = await client.post(VERIFY, { email: ADA, code });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('rate_limited');
    expect(res.headers.get('retry-after')).toBe(String(res.body.retryAfterSeconds));
  });
});
