import { createHmac, generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { MeResponseSchema, ProblemSchema } from '@portcullis/shared';
import { ADA, CHARLES, GRACE, accessClaims, auth0Calls, signIn } from './harness.js';
import { useStack } from './fixtures.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('sessions and tokens', () => {
  const stack = useStack(
    { ELIGIBILITY_CACHE_SECONDS: '0' },
    {
      reset: (s) => {
        s.setAuth0ClockOffset(0);
        s.auth0.clearFaults();
        s.auth0.configure({
          accessTokenTtlSeconds: 86400,
          refreshReuseIntervalSeconds: 0,
          rfc9068AccessTokens: false,
        });
      },
    },
  );

  const validClaims = (overrides: Record<string, unknown> = {}) =>
    accessClaims(stack, { exp: Math.floor(Date.now() / 1000) + 600, ...overrides });

  it('a session whose access token expired is refreshed on the server: /me answers 200, no client refresh', async () => {
    // Tokens issued "an hour ago" with a 10-minute lifetime are already expired.
    stack.auth0.configure({ accessTokenTtlSeconds: 600 });
    stack.setAuth0ClockOffset(-3600_000);
    const client = await signIn(stack, ADA);
    stack.setAuth0ClockOffset(0);
    const tokenCalls = auth0Calls(stack, '/oauth/token');

    const me = await client.get('/api/me');
    expect(me.status).toBe(200);
    expect(MeResponseSchema.parse(me.body).user.email).toBe(ADA);
    expect(auth0Calls(stack, '/oauth/token')).toBe(tokenCalls + 1);
    expect((await client.get('/api/greeting')).status).toBe(200);
    expect(auth0Calls(stack, '/oauth/token')).toBe(tokenCalls + 1);
  });

  it('eligibility revoked in Salesforce: refresh is 403 not_eligible, the cookie is cleared and every session of the person ends', async () => {
    const client = await signIn(stack, ADA);
    const me = MeResponseSchema.parse((await client.get('/api/me')).body);
    const sessions = (await client.get('/api/sessions')).body.sessions.length as number;
    stack.salesforce.updateContact(me.eligibility.recordId, { Portal_Access__c: false });
    try {
      const revokes = auth0Calls(stack, '/oauth/revoke');
      const tokenCalls = auth0Calls(stack, '/oauth/token');
      const copy = client.copy();

      const res = await client.post('/api/auth/refresh');
      expect(res.status).toBe(403);
      expect(ProblemSchema.parse(res.body).code).toBe('not_eligible');
      expect(res.setCookies.some((c) => /^portcullis=;/.test(c))).toBe(true);
      expect(client.jar.has('portcullis')).toBe(false);
      // Every session of the person ended, each refresh token revoked; no new tokens asked for.
      expect(auth0Calls(stack, '/oauth/revoke')).toBe(revokes + sessions);
      expect(auth0Calls(stack, '/oauth/token')).toBe(tokenCalls);
      expect((await copy.get('/api/me')).status).toBe(401);
    } finally {
      stack.salesforce.updateContact(me.eligibility.recordId, { Portal_Access__c: true });
    }
  });

  it('concurrent refreshes with one cookie share one upstream refresh; both succeed and the session lives on', async () => {
    const client = await signIn(stack, ADA);
    const tokenCalls = auth0Calls(stack, '/oauth/token');
    const [a, b, c] = await Promise.all([
      client.post('/api/auth/refresh'),
      client.post('/api/auth/refresh'),
      client.post('/api/auth/refresh'),
    ]);
    expect([a.status, b.status, c.status]).toEqual([200, 200, 200]);
    expect(auth0Calls(stack, '/oauth/token')).toBe(tokenCalls + 1);
    // The tokens rotate on the server; the cookie does not change.
    expect([...a.setCookies, ...b.setCookies, ...c.setCookies]).toEqual([]);
    expect((await client.get('/api/me')).status).toBe(200);
    const again = await client.post('/api/auth/refresh');
    expect(again.status).toBe(200);
    expect((await client.get('/api/me')).status).toBe(200);
  });

  it('sessions signed with a rotated key verify, and sessions from before the rotation still do', async () => {
    const before = await signIn(stack, ADA);
    const oldKid = stack.auth0.signingKid();
    const { kid } = stack.auth0.rotateKeys();
    expect(kid).not.toBe(oldKid);
    const after = await signIn(stack, ADA);
    expect((await after.get('/api/me')).status).toBe(200);
    expect((await before.get('/api/me')).status).toBe(200);
  });

  it('refresh without a session is 401 session_expired; a cookie with a tampered MAC is refused', async () => {
    const none = await stack.client().post('/api/auth/refresh');
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('session_expired');
    const client = await signIn(stack, ADA);
    const [id, mac] = client.session!.split('.') as [string, string];
    const bytes = Buffer.from(mac, 'base64url');
    bytes[0] = bytes[0]! ^ 1;
    client.jar.set('portcullis', `${id}.${bytes.toString('base64url')}`);
    const me = await client.get('/api/me');
    expect(me.status).toBe(401);
    expect(me.body.code).toBe('unauthenticated');
  });

  describe('forged Bearer tokens are 401, never 500', () => {
    const cases: Array<[string, () => string]> = [
      [
        'alg none',
        () =>
          `${b64({ alg: 'none', typ: 'JWT', kid: stack.auth0.signingKid() })}.${b64(validClaims())}.`,
      ],
      [
        'HS256 signed with the public key',
        () => {
          // The classic key-confusion attack: HMAC keyed with the RSA public key.
          const header = b64({ alg: 'HS256', typ: 'JWT', kid: stack.auth0.signingKid() });
          const body = b64(validClaims());
          const pub = JSON.stringify(stack.auth0.signToken(validClaims()).split('.')[0]);
          const sig = createHmac('sha256', pub).update(`${header}.${body}`).digest('base64url');
          return `${header}.${body}.${sig}`;
        },
      ],
      [
        'a wrong issuer',
        () => stack.auth0.signToken(validClaims({ iss: 'https://evil.example/' })),
      ],
      [
        'a wrong audience',
        () => stack.auth0.signToken(validClaims({ aud: 'https://other-api.example' })),
      ],
      [
        'another application (azp)',
        () => stack.auth0.signToken(validClaims({ azp: 'someone-else' })),
      ],
      [
        'another application (client_id, RFC 9068 profile)',
        () => stack.auth0.signToken(validClaims({ azp: undefined, client_id: 'someone-else' })),
      ],
      [
        'no application named (neither azp nor client_id)',
        () => stack.auth0.signToken(validClaims({ azp: undefined })),
      ],
      [
        'azp ours but client_id another',
        () => stack.auth0.signToken(validClaims({ client_id: 'someone-else' })),
      ],
      [
        'expired',
        () => stack.auth0.signToken(validClaims({ exp: Math.floor(Date.now() / 1000) - 3600 })),
      ],
      [
        'not yet valid (nbf)',
        () => stack.auth0.signToken(validClaims({ nbf: Math.floor(Date.now() / 1000) + 3600 })),
      ],
      [
        'an unknown kid',
        () => {
          const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
          const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'not-a-known-kid' })}.${b64(validClaims())}`;
          return `${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
        },
      ],
      [
        'a tampered payload',
        () => {
          const [h, , s] = stack.auth0.signToken(validClaims()).split('.');
          return `${h}.${b64(validClaims({ sub: 'email|ffffffffffffffffffffffff' }))}.${s}`;
        },
      ],
      ['garbage', () => 'not.a.jwt'],
    ];

    it.each(cases)('%s', async (_what, forge) => {
      const res = await stack.client().get('/api/greeting', { authorization: `Bearer ${forge()}` });
      expect(res.status).toBe(401);
      expect(['unauthenticated', 'session_expired']).toContain(ProblemSchema.parse(res.body).code);
    });

    it('while a correctly signed token with the right claims is accepted (the forgeries fail for their flaw)', async () => {
      const res = await stack.client().get('/api/greeting', {
        authorization: `Bearer ${stack.auth0.signToken(validClaims())}`,
      });
      expect(res.status).toBe(200);
      expect(res.body.userId).toBe(stack.auth0.ensureUser(ADA));
    });

    it("a token of Auth0's RFC 9068 profile naming our application in client_id is accepted", async () => {
      const token = stack.auth0.signToken(
        validClaims({ azp: undefined, client_id: stack.auth0.clientId }),
      );
      const res = await stack.client().get('/api/greeting', { authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
    });
  });

  it('with the emulator issuing RFC 9068-profile access tokens (client_id, no azp), sign-in, /me and refresh work', async () => {
    stack.auth0.configure({ rfc9068AccessTokens: true });
    const client = await signIn(stack, GRACE);
    expect((await client.get('/api/me')).status).toBe(200);
    const refreshed = await client.post('/api/auth/refresh');
    expect(refreshed.status).toBe(200);
    expect(MeResponseSchema.parse(refreshed.body).user.email).toBe(GRACE);
  });

  describe('the Salesforce gate for Bearer tokens', () => {
    const bearer = (email: string, overrides: Record<string, unknown> = {}) => ({
      authorization: `Bearer ${stack.auth0.signToken(validClaims({ sub: stack.auth0.ensureUser(email), ...overrides }))}`,
    });

    it('refuses the valid token of a person Salesforce says may not sign in (403 not_eligible)', async () => {
      const res = await stack.client().get('/api/greeting', bearer(CHARLES));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_eligible');
    });

    it('refuses a valid token without the email scope: there is no address to check', async () => {
      const res = await stack.client().get('/api/greeting', bearer(GRACE, { scope: 'openid' }));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('re-checks a Bearer subject on the session interval: withdrawn in Salesforce, refused after it', async () => {
      const email = 'bearer.client@example.com';
      const contact = stack.salesforce.createContact({
        FirstName: 'Bearer',
        LastName: 'Client',
        Email: email,
        Portal_Access__c: true,
      });
      const token = bearer(email);
      expect((await stack.client().get('/api/greeting', token)).status).toBe(200);
      stack.salesforce.updateContact(contact, { Portal_Access__c: false });
      try {
        // Within the interval the answer stands; past it Salesforce is asked again.
        expect((await stack.client().get('/api/greeting', token)).status).toBe(200);
        stack.setApiClockOffset(stack.config.session.eligibilityRecheckSeconds * 1000 + 1000);
        const res = await stack.client().get('/api/greeting', token);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('not_eligible');
      } finally {
        stack.setApiClockOffset(0);
      }
    });
  });

  it('GET /api/me with a real Bearer access token (non-browser client) uses /userinfo and Salesforce', async () => {
    // Log in against the emulator directly, as a native client would.
    const auth0 = stack.auth0;
    await fetch(`${auth0.url}/passwordless/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: auth0.clientId,
        client_secret: auth0.clientSecret,
        connection: 'email',
        send: 'code',
        email: ADA,
      }),
    });
    const code = auth0.outbox(ADA)[0]!.code;
    const tokenRes = await fetch(`${auth0.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
        client_id: auth0.clientId,
        client_secret: auth0.clientSecret,
        realm: 'email',
        username: ADA,
        otp: code,
        audience: auth0.audience,
        scope: 'openid email',
      }),
    });
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const res = await stack.client().get('/api/me', { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);
    const me = MeResponseSchema.parse(res.body);
    expect(me.user.email).toBe(ADA);
    expect(me.eligibility.recordId).toMatch(/^003/);
  });
});
