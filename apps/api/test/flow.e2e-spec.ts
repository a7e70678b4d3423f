import { MeResponseSchema, ProblemSchema } from '@portcullis/shared';
import { ADA, CHARLES, UNKNOWN, auth0Calls, signIn, waitForCode } from './harness.js';
import { useStack } from './fixtures.js';

describe('sign-in flow (API e2e against the emulators)', () => {
  const stack = useStack({}, { reset: (s) => s.auth0.reset() });

  it('start → code from the outbox → verify → /me → refresh → logout → /me is 401', async () => {
    const client = stack.client();
    const known = stack.auth0.outbox(ADA).length;
    const start = await client.post('/api/auth/passwordless/start', {
      email: '  Ada.Lovelace@Example.com ',
    });
    expect(start.status).toBe(202);
    // The harness turns the resend cooldown off (CODE_RESEND_SECONDS=0); abuse.e2e-spec.ts tests it.
    expect(start.body).toEqual({ resendAfterSeconds: 0, expiresInSeconds: 180, codeLength: 6 });

    const code = await waitForCode(stack, ADA, known);
    const verify = await client.post('/api/auth/passwordless/verify', { email: ADA, code });
    expect(verify.status).toBe(200);
    const me = MeResponseSchema.parse(verify.body);
    expect(me.user.email).toBe(ADA);
    expect(me.user.emailVerified).toBe(true);
    expect(me.user.id).toMatch(/^email\|[0-9a-f]{24}$/);
    expect(me.eligibility.recordId).toMatch(/^003/);
    expect(me.eligibility.Account_Tier__c).toBeDefined();

    const cookie = verify.setCookies.find((c) => c.startsWith('portcullis='));
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//i);
    // The cookie is an opaque id and its MAC: no token, no email, at most 100 bytes.
    const value = client.jar.get('portcullis')!;
    expect(value).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/);
    expect(Buffer.byteLength(`portcullis=${value}`)).toBeLessThanOrEqual(100);
    expect(cookie).toMatch(new RegExp(`Max-Age=${stack.config.session.absoluteSeconds};`));

    const me1 = await client.get('/api/me');
    expect(me1.status).toBe(200);
    expect(me1.headers.get('cache-control')).toBe('no-store');
    expect(MeResponseSchema.parse(me1.body).user.email).toBe(ADA);

    const refresh = await client.post('/api/auth/refresh');
    expect(refresh.status).toBe(200);
    // The tokens rotate on the server; the browser's cookie stays the same.
    expect(refresh.setCookies).toEqual([]);
    expect(client.jar.get('portcullis')).toBe(value);
    expect(MeResponseSchema.parse(refresh.body).user.id).toBe(me.user.id);

    const me2 = await client.get('/api/me');
    expect(me2.status).toBe(200);

    const revokesBefore = auth0Calls(stack, '/oauth/revoke');
    const logout = await client.post('/api/auth/logout');
    expect(logout.status).toBe(204);
    expect(client.jar.has('portcullis')).toBe(false);
    expect(auth0Calls(stack, '/oauth/revoke')).toBe(revokesBefore + 1);

    const me3 = await client.get('/api/me');
    expect(me3.status).toBe(401);
    expect(ProblemSchema.parse(me3.body).code).toBe('unauthenticated');

    // Structured logs with request ids, and no secret or personal data in clear.
    const logs = stack.logs.join('\n');
    const requestLines = stack.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(requestLines.length).toBeGreaterThanOrEqual(7);
    for (const line of requestLines) expect(line.reqId).toEqual(expect.any(String));
    expect(logs).not.toContain(code);
    expect(logs).not.toContain(value);
    expect(logs).not.toContain(client.jar.get('portcullis') ?? value);
    expect(logs.toLowerCase()).not.toContain('ada.lovelace');
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });

  it('answers eligible, ineligible and unknown addresses identically, and only asks Auth0 for the eligible one', async () => {
    const client = stack.client();
    const answers = [];
    for (const email of [ADA, CHARLES, UNKNOWN]) {
      const res = await client.post('/api/auth/passwordless/start', { email });
      answers.push({ status: res.status, body: res.body, type: res.headers.get('content-type') });
    }
    await stack.settle();
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(202);
    const starts = stack.auth0.requests().filter((r) => r.path === '/passwordless/start');
    expect(starts).toHaveLength(1);
    expect(stack.auth0.outbox(CHARLES)).toHaveLength(0);
    expect(stack.auth0.outbox(UNKNOWN)).toHaveLength(0);
  });

  it('a second eligible person signs in on their own session', async () => {
    const a = await signIn(stack, ADA);
    const g = await signIn(stack, 'grace.hopper@example.com');
    expect((await a.get('/api/me')).body.user.email).toBe(ADA);
    expect((await g.get('/api/me')).body.user.email).toBe('grace.hopper@example.com');
  });

  it('logout without a session still answers 204', async () => {
    const res = await stack.client().post('/api/auth/logout');
    expect(res.status).toBe(204);
  });
});
