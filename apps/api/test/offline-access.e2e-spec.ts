// "Allow Offline Access" off on the Auth0 API: Auth0 silently issues no refresh token. The API
// says so once, naming the setting, and each session then ends when its access token expires
// (401 session_expired, cookie cleared, the reason in the audit log).
import { ADA, GRACE, signIn } from './harness.js';
import { useStack } from './fixtures.js';

const WARNING = /Allow Offline Access/;

describe('"Allow Offline Access" off at Auth0', () => {
  const stack = useStack(
    { ELIGIBILITY_CACHE_SECONDS: '0', METRICS_TOKEN: 'metrics-token-for-tests-0123456789' },
    { auth0: { allowOfflineAccess: false } },
  );

  it('one clear warning naming the Auth0 setting at the first sign-in without a refresh token, not at every one', async () => {
    expect(stack.logs.filter((l) => WARNING.test(l))).toHaveLength(0);
    await signIn(stack, ADA);
    await signIn(stack, GRACE);
    const warnings = stack.logs.filter((l) => WARNING.test(l));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"level":"warn"/);
    expect(warnings[0]).toMatch(/offline_access/);
  });

  it('the session works until its access token expires, then ends: 401 session_expired, cookie cleared', async () => {
    const client = await signIn(stack, ADA);
    const copy = client.copy();
    expect((await client.get('/api/me')).status).toBe(200);
    stack.advance(25 * 3600_000); // past the emulator's 24 h access tokens
    const res = await client.get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('session_expired');
    expect(res.setCookies.some((c) => /^portcullis=;/.test(c))).toBe(true);
    expect(
      stack.logs.some(
        (l) => l.includes('"event":"session_ended"') && l.includes('"reason":"refresh_refused"'),
      ),
    ).toBe(true);
    stack.advance(0);
    expect((await copy.get('/api/me')).status).toBe(401);
    const metrics = await fetch(`${stack.url}/api/metrics`, {
      headers: { authorization: 'Bearer metrics-token-for-tests-0123456789' },
    }).then((r) => r.text());
    expect(metrics).toMatch(/^portcullis_refreshes_total\{outcome="no_refresh_token"\} [1-9]/m);
    expect(metrics).toMatch(/^portcullis_sessions_ended_total\{reason="refresh_refused"\} [1-9]/m);
  });
});
