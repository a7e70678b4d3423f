// Auth0 refusing a person (a blocked user, an Action's denial) and Auth0's rate limits, through
// the real SDK against the Auth0 emulator: a refusal is 403 access_denied with a sentence a
// person can act on (never "try again shortly"), and on refresh it ends the session; a 429
// takes its Retry-After from Auth0's documented x-ratelimit-reset (docs/upstream.md).
import { ProblemSchema } from '@portcullis/shared';
import { ADA, GRACE, signIn } from './harness.js';
import { VERIFY, freshUpstreams, requestCode, useStack } from './fixtures.js';

describe('Auth0 refusals and rate limits', () => {
  const stack = useStack({ ELIGIBILITY_CACHE_SECONDS: '0' }, { reset: freshUpstreams });

  async function codeFor(email: string) {
    const client = stack.client();
    return { client, code: await requestCode(stack, email, client) };
  }

  it('a blocked user at verify: 403 access_denied, an actionable sentence, no session', async () => {
    stack.auth0.setUser({ email: ADA, blocked: true });
    const { client, code } = await codeFor(ADA);
    const res = await client.post(VERIFY, { email: ADA, code });
    expect(res.status).toBe(403);
    const problem = ProblemSchema.parse(res.body);
    expect(problem.code).toBe('access_denied');
    expect(problem.detail).toMatch(/administrator/);
    expect(problem.detail).not.toMatch(/shortly/);
    expect(res.headers.get('retry-after')).toBeNull();
    expect(client.jar.size).toBe(0);
  });

  it('an Action denying the login (403 access_denied) at verify: 403 access_denied', async () => {
    const { client, code } = await codeFor(GRACE);
    stack.auth0.setFaults({ status: 403, paths: ['/oauth/token'] });
    const res = await client.post(VERIFY, { email: GRACE, code });
    expect(res.status).toBe(403);
    expect(ProblemSchema.parse(res.body).code).toBe('access_denied');
  });

  it('a user blocked after sign-in: the forced refresh is 403 access_denied, the session ends, the cookie is cleared', async () => {
    const client = await signIn(stack, ADA);
    const copy = client.copy();
    stack.auth0.setUser({ email: ADA, blocked: true });
    const res = await client.post('/api/auth/refresh');
    expect(res.status).toBe(403);
    expect(ProblemSchema.parse(res.body).code).toBe('access_denied');
    expect(res.setCookies.some((c) => /^portcullis=;/.test(c))).toBe(true);
    // Ended on the server: a copy of the cookie no longer works, even once unblocked.
    stack.auth0.setUser({ email: ADA, blocked: false });
    expect((await copy.get('/api/me')).status).toBe(401);
  });

  it('a user blocked after sign-in: the refresh a request triggers ends the session too', async () => {
    const client = await signIn(stack, ADA);
    const copy = client.copy();
    stack.auth0.setUser({ email: ADA, blocked: true });
    stack.advance(25 * 3600_000); // past the emulator's 24 h access tokens
    const res = await client.get('/api/me');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('access_denied');
    expect(res.setCookies.some((c) => /^portcullis=;/.test(c))).toBe(true);
    expect((await copy.get('/api/me')).status).toBe(401);
    expect(stack.logs.some((l) => l.includes('"event":"refresh_failed"'))).toBe(true);
  });

  it("Auth0 rate limiting at verify: 429 with Retry-After from x-ratelimit-reset, not from the emulator's (absent) retry-after", async () => {
    const { client, code } = await codeFor(ADA);
    // The emulator's clock 100 s ahead: its bucket resets 130 s from the API's point of view.
    stack.setAuth0ClockOffset(100_000);
    stack.auth0.setFaults({ status: 429, paths: ['/oauth/token'] });
    const res = await client.post(VERIFY, { email: ADA, code });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('rate_limited');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(129);
    expect(retryAfter).toBeLessThanOrEqual(131);
    expect(res.body.retryAfterSeconds).toBe(retryAfter);
  });
});
