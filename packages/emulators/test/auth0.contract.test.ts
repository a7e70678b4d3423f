// Contract tests for the Auth0 emulator, driven by the real `auth0` SDK (its legacy
// AuthenticationClient, the one the API uses) and by jose for token verification. Each test
// names the Auth0 behaviour it mirrors; sources are in src/auth0/*.ts and docs/upstream.md.
// Run through `portcullis-dev-tls` (NODE_EXTRA_CA_CERTS) so the SDK trusts the dev certificate.
import {
  AuthApiError,
  AuthenticationClient,
  FetchError,
  TimeoutError,
  type InitOverrideFunction,
} from 'auth0/legacy';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeEach, describe, expect, test } from 'vitest';
import {
  PASSWORDLESS_OTP_GRANT,
  SERVICE_APPLICATION,
  type Auth0Emulator,
} from '../src/auth0/emulator.js';
import { passwordlessStart, useAuth0Emulator } from './helpers.js';

const ADA = 'ada.lovelace@example.com';
const GRACE = 'grace.hopper@example.com';
const SCOPE = 'openid email offline_access';

let emulator: Auth0Emulator;
let clock = Date.now();
let auth0: AuthenticationClient;

function client(overrides: { clientSecret?: string; timeoutDuration?: number } = {}) {
  return new AuthenticationClient({
    domain: emulator.domain,
    clientId: emulator.clientId,
    clientSecret: overrides.clientSecret ?? emulator.clientSecret,
    ...(overrides.timeoutDuration !== undefined
      ? { timeoutDuration: overrides.timeoutDuration }
      : {}),
  });
}

/** A fresh JWKS fetcher each time, so key rotation is seen at once (jose caches otherwise). */
const verify = (token: string) =>
  jwtVerify(token, createRemoteJWKSet(new URL(`${emulator.issuer}.well-known/jwks.json`)), {
    issuer: emulator.issuer,
    audience: emulator.audience,
    algorithms: ['RS256'],
  });

async function sendCode(email = ADA): Promise<string> {
  await auth0.passwordless.sendEmail({ email, send: 'code' });
  const latest = emulator.outbox(email)[0];
  if (!latest) throw new Error(`no code for ${email}`);
  return latest.code;
}

async function login(email = ADA, scope = SCOPE) {
  const code = await sendCode(email);
  const { data } = await auth0.passwordless.loginWithEmail({
    email,
    code,
    audience: emulator.audience,
    scope,
  });
  return data;
}

/** The AuthApiError a rejected SDK call throws. */
async function authError(promise: Promise<unknown>): Promise<AuthApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AuthApiError);
  return err as AuthApiError;
}

/** ADA's login with `code`, for the tenant's API and SCOPE. */
const loginWith = (code: string) =>
  auth0.passwordless.loginWithEmail({
    email: ADA,
    code,
    audience: emulator.audience,
    scope: SCOPE,
  });

/** A refusal as [status, error, description]. */
const refusal = (err: AuthApiError) => [err.statusCode, err.error, err.error_description];

const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

useAuth0Emulator((started) => (emulator = started), { now: () => clock });

beforeEach(() => {
  clock = Date.now();
  // A fresh client per test: each caches the JWKS (jose, 30 s cooldown) for ID token checks.
  auth0 = client();
});

describe('passwordless email login (https://auth0.com/docs/authenticate/passwordless/authentication-methods/email-otp)', () => {
  test('sendEmail answers { _id, email, email_verified: false } and puts a 6-digit code in the outbox', async () => {
    const { data, status } = await auth0.passwordless.sendEmail({ email: ADA, send: 'code' });
    expect(status).toBe(200);
    expect(data).toBeUndefined(); // VoidApiResponse: the SDK drops the body
    const messages = emulator.outbox(ADA.toUpperCase());
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      to: ADA,
      code: expect.stringMatching(/^\d{6}$/) as unknown,
    });
    expect(Date.parse(messages[0]!.sentAt)).toBe(clock);

    const raw = await passwordlessStart(emulator);
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/) as unknown,
      email: ADA,
      email_verified: false,
    });
  });

  test('loginWithEmail with audience and `openid email offline_access` returns all three tokens; the SDK validates the ID token', async () => {
    const tokens = await login();
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 86_400, scope: SCOPE });
    expect(tokens.refresh_token).toEqual(expect.any(String));

    const { payload, protectedHeader } = await verify(tokens.access_token);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', kid: emulator.signingKid() });
    expect(payload.iss).toBe(`https://localhost:${emulator.port}/`);
    expect(payload.sub).toMatch(/^email\|[0-9a-f]{24}$/);
    expect(payload.aud).toEqual([emulator.audience, `${emulator.issuer}userinfo`]);
    expect(payload.azp).toBe(emulator.clientId);
    expect(payload.scope).toBe(SCOPE);
    expect(payload.exp! - payload.iat!).toBe(86_400);

    const id = decodeJwt(tokens.id_token!);
    expect(decodeProtectedHeader(tokens.id_token!).kid).toBe(emulator.signingKid());
    expect(id).toMatchObject({
      iss: emulator.issuer,
      sub: payload.sub,
      aud: emulator.clientId,
      email: ADA,
      email_verified: true,
    });
    expect(id.sid).toEqual(expect.any(String));
    expect(id.exp! - id.iat!).toBe(36_000);
  });

  test('with the RFC 9068 access-token profile the access token names the client in client_id, not azp, and is typed at+jwt (auth0.com/docs/secure/tokens/access-tokens/access-token-profiles)', async () => {
    emulator.configure({ rfc9068AccessTokens: true });
    const tokens = await login();
    const { payload, protectedHeader } = await verify(tokens.access_token);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(payload.client_id).toBe(emulator.clientId);
    expect(payload).not.toHaveProperty('azp');
    // The ID token is not an access token: unchanged, and the SDK still validates it.
    expect(decodeJwt(tokens.id_token!).aud).toBe(emulator.clientId);
  });

  test('the wire request is the form-encoded passwordless OTP grant (docs/upstream.md)', async () => {
    await login();
    const tokenCall = emulator.requests().find((r) => r.path === '/oauth/token');
    expect(tokenCall?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
    expect(tokenCall?.headers['auth0-client']).toEqual(expect.any(String));
  });

  test('the user is created on first login and keeps its id (`email|<24 hex>`), whatever the case of the address', async () => {
    const first = decodeJwt((await login()).access_token).sub;
    const again = decodeJwt((await login(ADA.toUpperCase())).access_token).sub;
    const other = decodeJwt((await login('grace.hopper@example.com')).access_token).sub;
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  test('without offline_access there is no refresh token; without openid no ID token and aud is the API alone', async () => {
    const tokens = await login(ADA, 'read:things');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    expect((await verify(tokens.access_token)).payload.aud).toBe(emulator.audience);
  });

  test('without an audience the access token is opaque (32 characters)', async () => {
    const code = await sendCode();
    const { data } = await auth0.passwordless.loginWithEmail({
      email: ADA,
      code,
      scope: 'openid email',
    });
    expect(data.access_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(data.id_token).toEqual(expect.any(String));
  });

  test('an audience the tenant does not know: 403 access_denied "Service not found: <aud>"', async () => {
    const code = await sendCode();
    const err = await authError(
      auth0.passwordless.loginWithEmail({
        email: ADA,
        code,
        audience: 'https://nope.test',
        scope: SCOPE,
      }),
    );
    expect(refusal(err)).toEqual([403, 'access_denied', 'Service not found: https://nope.test']);
  });

  test('a wrong code: 403 invalid_grant "Wrong email or verification code."', async () => {
    const code = await sendCode();
    const err = await authError(loginWith(wrongCode(code)));
    expect(err.statusCode).toBe(403);
    expect(err.error).toBe('invalid_grant');
    expect(err.error_description).toBe('Wrong email or verification code.');
    expect(err.message).toBe('Wrong email or verification code.');
  });

  test('no code was ever sent to that address: the wrong-code error', async () => {
    const err = await authError(
      auth0.passwordless.loginWithEmail({
        email: 'nobody@example.com',
        code: '123456',
        audience: emulator.audience,
      }),
    );
    expect(refusal(err)).toEqual([403, 'invalid_grant', 'Wrong email or verification code.']);
  });

  test('an expired code (valid 180 s): 403 invalid_grant "The verification code has expired. Please try to login again."', async () => {
    const code = await sendCode();
    clock += 180_000;
    const err = await authError(loginWith(code));
    expect(refusal(err)).toEqual([
      403,
      'invalid_grant',
      'The verification code has expired. Please try to login again.',
    ]);
  });

  test('the code lifetime is configurable; a code still inside it works', async () => {
    emulator.configure({ codeTtlSeconds: 1 });
    const code = await sendCode();
    clock += 999;
    await expect(
      auth0.passwordless.loginWithEmail({ email: ADA, code, audience: emulator.audience }),
    ).resolves.toBeDefined();
    const second = await sendCode();
    clock += 1000;
    const err = await authError(
      auth0.passwordless.loginWithEmail({ email: ADA, code: second, audience: emulator.audience }),
    );
    expect(err.error_description).toBe(
      'The verification code has expired. Please try to login again.',
    );
  });

  test('the third failed attempt, and every later one even with the right code: "You\'ve reached the maximum number of attempts."', async () => {
    const code = await sendCode();
    const attempt = (otp: string) =>
      authError(
        auth0.passwordless.loginWithEmail({ email: ADA, code: otp, audience: emulator.audience }),
      );
    expect((await attempt(wrongCode(code))).error_description).toBe(
      'Wrong email or verification code.',
    );
    expect((await attempt(wrongCode(code))).error_description).toBe(
      'Wrong email or verification code.',
    );
    const third = await attempt(wrongCode(code));
    expect(refusal(third)).toEqual([
      403,
      'invalid_grant',
      "You've reached the maximum number of attempts. Please try to login again.",
    ]);
    const right = await attempt(code);
    expect(right.error_description).toBe(
      "You've reached the maximum number of attempts. Please try to login again.",
    );
  });

  test('a new code supersedes the old one (and starts a fresh attempt count)', async () => {
    const first = await sendCode();
    let second = await sendCode();
    while (second === first) second = await sendCode(); // 1 in a million
    const err = await authError(
      auth0.passwordless.loginWithEmail({ email: ADA, code: first, audience: emulator.audience }),
    );
    expect(err.error_description).toBe('Wrong email or verification code.');
    await expect(
      auth0.passwordless.loginWithEmail({ email: ADA, code: second, audience: emulator.audience }),
    ).resolves.toBeDefined();
    expect(emulator.outbox(ADA).map((m) => m.code)[0]).toBe(second); // newest first
  });

  test('codes are single use', async () => {
    const code = await sendCode();
    await auth0.passwordless.loginWithEmail({ email: ADA, code, audience: emulator.audience });
    const err = await authError(
      auth0.passwordless.loginWithEmail({ email: ADA, code, audience: emulator.audience }),
    );
    expect(err.error_description).toBe('Wrong email or verification code.');
  });

  test('a nonce sent with the grant comes back in the ID token', async () => {
    const code = await sendCode();
    const res = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
        realm: 'email',
        username: ADA,
        otp: code,
        scope: 'openid profile',
        nonce: 'n-0S6_WzA2Mj',
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id_token: string };
    expect(decodeJwt(body.id_token)).toMatchObject({
      nonce: 'n-0S6_WzA2Mj',
      nickname: 'ada.lovelace',
      name: ADA,
    });
    expect(decodeJwt(body.id_token).email).toBeUndefined(); // no `email` scope
  });
});

describe('refresh token rotation (https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation)', () => {
  test('each refresh returns new access, ID and refresh tokens for the same user; the SDK validates the ID token', async () => {
    const first = await login();
    clock += 5_000;
    const { data: second } = await auth0.oauth.refreshTokenGrant({
      refresh_token: first.refresh_token!,
    });
    expect(second.refresh_token).toEqual(expect.any(String));
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.access_token).not.toBe(first.access_token);
    const before = decodeJwt(first.id_token!);
    const after = decodeJwt(second.id_token!);
    expect(after).toMatchObject({ sub: before.sub, email: ADA, sid: before.sid });
    expect((await verify(second.access_token)).payload).toMatchObject({
      sub: before.sub,
      scope: SCOPE,
    });
    expect(after.iat).toBe(before.iat! + 5);

    const { data: third } = await auth0.oauth.refreshTokenGrant({
      refresh_token: second.refresh_token!,
    });
    expect(third.refresh_token).not.toBe(second.refresh_token);
  });

  test('reusing a superseded refresh token: 403 invalid_grant "Unknown or invalid refresh token." and the whole family dies', async () => {
    const first = await login();
    const { data: second } = await auth0.oauth.refreshTokenGrant({
      refresh_token: first.refresh_token!,
    });
    const reuse = await authError(
      auth0.oauth.refreshTokenGrant({ refresh_token: first.refresh_token! }),
    );
    expect(refusal(reuse)).toEqual([403, 'invalid_grant', 'Unknown or invalid refresh token.']);
    const latest = await authError(
      auth0.oauth.refreshTokenGrant({ refresh_token: second.refresh_token! }),
    );
    expect(latest.error_description).toBe('Unknown or invalid refresh token.');
  });

  test('inside the reuse interval a superseded token still works; outside it, reuse kills the family', async () => {
    emulator.configure({ refreshReuseIntervalSeconds: 10 });
    const first = await login();
    const { data: a } = await auth0.oauth.refreshTokenGrant({
      refresh_token: first.refresh_token!,
    });
    clock += 10_000;
    const { data: b } = await auth0.oauth.refreshTokenGrant({
      refresh_token: first.refresh_token!,
    });
    expect(b.refresh_token).not.toBe(a.refresh_token);
    clock += 1;
    const late = await authError(
      auth0.oauth.refreshTokenGrant({ refresh_token: first.refresh_token! }),
    );
    expect(late.error_description).toBe('Unknown or invalid refresh token.');
    await authError(auth0.oauth.refreshTokenGrant({ refresh_token: a.refresh_token! }));
    await authError(auth0.oauth.refreshTokenGrant({ refresh_token: b.refresh_token! }));
  });

  test('other logins of the same user are separate families', async () => {
    const one = await login();
    const two = await login();
    await auth0.oauth.refreshTokenGrant({ refresh_token: one.refresh_token! });
    await authError(auth0.oauth.refreshTokenGrant({ refresh_token: one.refresh_token! }));
    await expect(
      auth0.oauth.refreshTokenGrant({ refresh_token: two.refresh_token! }),
    ).resolves.toBeDefined();
  });

  test('an unknown refresh token: 403 invalid_grant', async () => {
    const err = await authError(auth0.oauth.refreshTokenGrant({ refresh_token: 'v1.not-a-token' }));
    expect(refusal(err)).toEqual([403, 'invalid_grant', 'Unknown or invalid refresh token.']);
  });

  test('revokeRefreshToken answers 200 and then the family is dead (https://auth0.com/docs/api/authentication/revoke-refresh-token)', async () => {
    const first = await login();
    const { data: second } = await auth0.oauth.refreshTokenGrant({
      refresh_token: first.refresh_token!,
    });
    const res = await auth0.oauth.revokeRefreshToken({ token: second.refresh_token! });
    expect(res.status).toBe(200);
    const err = await authError(
      auth0.oauth.refreshTokenGrant({ refresh_token: second.refresh_token! }),
    );
    expect(err.error_description).toBe('Unknown or invalid refresh token.');
    const call = emulator.requests().find((r) => r.path === '/oauth/revoke');
    expect(call?.headers['content-type']).toMatch(/^application\/json/);
  });

  test('revoking an unknown token still answers 200', async () => {
    await expect(auth0.oauth.revokeRefreshToken({ token: 'v1.unknown' })).resolves.toMatchObject({
      status: 200,
    });
  });
});

describe('"Refresh Token Revocation Deletes Grant" (https://auth0.com/docs/secure/tokens/refresh-tokens/revoke-refresh-tokens)', () => {
  /** Refreshes and answers the outcome: 'ok', or the refusal as [status, error, description]. */
  const refreshOutcome = (refresh_token: string) =>
    auth0.oauth.refreshTokenGrant({ refresh_token }).then(
      () => 'ok' as const,
      (err: unknown) => {
        expect(err).toBeInstanceOf(AuthApiError);
        return refusal(err as AuthApiError);
      },
    );
  const REFUSED = [403, 'invalid_grant', 'Unknown or invalid refresh token.'];

  test("off (the default): revoking one login's refresh token leaves the user's other login and other users alone", async () => {
    expect(emulator.settings().revocationDeletesGrant).toBe(false);
    const first = await login();
    const second = await login();
    const grace = await login(GRACE);
    expect((await auth0.oauth.revokeRefreshToken({ token: first.refresh_token! })).status).toBe(
      200,
    );
    expect(await refreshOutcome(first.refresh_token!)).toEqual(REFUSED);
    expect(await refreshOutcome(second.refresh_token!)).toBe('ok');
    expect(await refreshOutcome(grace.refresh_token!)).toBe('ok');
  });

  test('on: revoking one refresh token revokes every refresh token of that user for the client and audience; other users keep theirs', async () => {
    emulator.configure({ revocationDeletesGrant: true });
    const first = await login();
    const second = await login();
    // A rotated descendant of the second login dies too, not only the token handed out at login.
    const { data: rotated } = await auth0.oauth.refreshTokenGrant({
      refresh_token: second.refresh_token!,
    });
    const grace = await login(GRACE);
    expect((await auth0.oauth.revokeRefreshToken({ token: first.refresh_token! })).status).toBe(
      200,
    );
    expect(await refreshOutcome(first.refresh_token!)).toEqual(REFUSED);
    expect(await refreshOutcome(rotated.refresh_token!)).toEqual(REFUSED);
    expect(await refreshOutcome(grace.refresh_token!)).toBe('ok');
    // The grant is gone, not the user: a new login gets a working refresh token again.
    const again = await login();
    expect(await refreshOutcome(again.refresh_token!)).toBe('ok');
  });

  test('on: a login of the same user for another audience (none: the userinfo audience) keeps its refresh token', async () => {
    emulator.configure({ revocationDeletesGrant: true });
    const api = await login();
    const code = await sendCode();
    const { data: noAudience } = await auth0.passwordless.loginWithEmail({
      email: ADA,
      code,
      scope: SCOPE,
    });
    await auth0.oauth.revokeRefreshToken({ token: api.refresh_token! });
    expect(await refreshOutcome(api.refresh_token!)).toEqual(REFUSED);
    expect(await refreshOutcome(noAudience.refresh_token!)).toBe('ok');
  });

  test('on: revoking a token that no longer works (its family died of reuse) revokes nothing else; unknown tokens still answer 200', async () => {
    emulator.configure({ revocationDeletesGrant: true });
    const first = await login();
    const second = await login();
    await auth0.oauth.refreshTokenGrant({ refresh_token: first.refresh_token! });
    expect(await refreshOutcome(first.refresh_token!)).toEqual(REFUSED); // reuse kills the family
    expect((await auth0.oauth.revokeRefreshToken({ token: first.refresh_token! })).status).toBe(
      200,
    );
    expect((await auth0.oauth.revokeRefreshToken({ token: 'v1.unknown' })).status).toBe(200);
    expect(await refreshOutcome(second.refresh_token!)).toBe('ok');
  });

  test('the setting is read when revoking: switched off again, revocation is per login once more', async () => {
    emulator.configure({ revocationDeletesGrant: true });
    const first = await login();
    const second = await login();
    emulator.configure({ revocationDeletesGrant: false });
    await auth0.oauth.revokeRefreshToken({ token: first.refresh_token! });
    expect(await refreshOutcome(second.refresh_token!)).toBe('ok');
  });
});

describe('"Allow Offline Access" off (https://auth0.com/docs/secure/tokens/refresh-tokens/get-refresh-tokens)', () => {
  test('no refresh_token in the token answer, silently, though offline_access was asked for; the granted scope leaves it out', async () => {
    emulator.configure({ allowOfflineAccess: false });
    try {
      const data = await login();
      expect(data.access_token).toEqual(expect.any(String));
      expect(data).not.toHaveProperty('refresh_token');
      expect(data).toMatchObject({ scope: 'openid email' });
      expect(decodeJwt(data.access_token).scope).toBe('openid email');
    } finally {
      emulator.configure({ allowOfflineAccess: true });
    }
    const back = await login();
    expect(back).toHaveProperty('refresh_token');
    expect(back).toMatchObject({ scope: SCOPE });
  });
});

describe('blocked users (https://auth0.com/docs/manage-users/user-accounts/block-and-unblock-users)', () => {
  test('a blocked user\'s right code answers 401 unauthorized "user is blocked"; the code is used up', async () => {
    emulator.setUser({ email: ADA, blocked: true });
    const code = await sendCode();
    const err = await authError(loginWith(code));
    expect(refusal(err)).toEqual([401, 'unauthorized', 'user is blocked']);
    emulator.setUser({ email: ADA, blocked: false });
    const again = await authError(loginWith(code));
    expect(again.error).toBe('invalid_grant');
  });

  test('a wrong code of a blocked user still says wrong code (the block is not revealed)', async () => {
    emulator.setUser({ email: ADA, blocked: true });
    const code = await sendCode();
    const err = await authError(loginWith(wrongCode(code)));
    expect([err.statusCode, err.error]).toEqual([403, 'invalid_grant']);
  });

  test('blocking a signed-in user refuses their refresh with 401 unauthorized; unblocking lets the same token refresh again', async () => {
    const first = await login();
    const res = await fetch(`${emulator.url}/__emulator/users`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'Ada.Lovelace@example.com', blocked: true }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: { email: ADA, blocked: true } });
    const err = await authError(
      auth0.oauth.refreshTokenGrant({ refresh_token: first.refresh_token! }),
    );
    expect(refusal(err)).toEqual([401, 'unauthorized', 'user is blocked']);
    emulator.setUser({ email: ADA, blocked: false });
    await expect(
      auth0.oauth.refreshTokenGrant({ refresh_token: first.refresh_token! }),
    ).resolves.toMatchObject({ status: 200 });
  });

  test('PUT /__emulator/users refuses malformed bodies with 400; reset forgets blocks', async () => {
    for (const body of [
      { email: ADA },
      { email: 'nope', blocked: true },
      { email: ADA, blocked: 'yes' },
      { email: ADA, blocked: true, role: 'x' },
    ]) {
      const res = await fetch(`${emulator.url}/__emulator/users`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
    }
    emulator.setUser({ email: GRACE, blocked: true });
    emulator.reset();
    await expect(login(GRACE)).resolves.toHaveProperty('access_token');
  });
});

describe('signing keys (https://auth0.com/docs/get-started/tenant-settings/signing-keys)', () => {
  test('the JWKS publishes RSA keys with kid, alg RS256 and use sig; discovery points at it', async () => {
    const jwks = (await (await fetch(`${emulator.issuer}.well-known/jwks.json`)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(2); // current and next
    for (const key of jwks.keys) {
      expect(key).toEqual({
        kty: 'RSA',
        n: expect.any(String) as unknown,
        e: 'AQAB',
        kid: expect.any(String) as unknown,
        alg: 'RS256',
        use: 'sig',
      });
    }
    const discovery = (await (
      await fetch(`${emulator.issuer}.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({
      issuer: emulator.issuer,
      jwks_uri: `${emulator.issuer}.well-known/jwks.json`,
      token_endpoint: `${emulator.issuer}oauth/token`,
      revocation_endpoint: `${emulator.issuer}oauth/revoke`,
    });
  });

  test('after rotation tokens carry the new kid and verify; older tokens still verify until the old key is retired', async () => {
    const before = await login();
    const oldKid = decodeProtectedHeader(before.access_token).kid;
    const { kid } = emulator.rotateKeys();
    expect(kid).not.toBe(oldKid);
    // The same SDK client (its JWKS already cached) accepts the new ID token: the next key was published before rotation.
    const after = await login();
    expect(decodeProtectedHeader(after.access_token).kid).toBe(kid);
    expect(decodeProtectedHeader(after.id_token!).kid).toBe(kid);
    await verify(after.access_token);
    await verify(before.access_token);

    const res = await fetch(`${emulator.url}/__emulator/keys/rotate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ retirePrevious: true }),
    });
    expect(res.status).toBe(200);
    const { kid: newest } = (await res.json()) as { kid: string };
    expect(emulator.signingKid()).toBe(newest);
    await expect(verify(before.access_token)).rejects.toThrow(/no applicable key|matching key/i);
    await expect(verify(after.access_token)).rejects.toThrow(/no applicable key|matching key/i);
    // This signing key was published only at the first rotation, after the SDK client cached
    // the JWKS, and jose refetches at most every 30 s: a client with a fresh cache is needed.
    await expect(login()).rejects.toThrow(/no applicable key/i);
    auth0 = client();
    await verify((await login()).access_token);
  });
});

describe('client authentication and request shapes', () => {
  test('a wrong client secret: 401 access_denied "Unauthorized" on every endpoint', async () => {
    const bad = client({ clientSecret: 'wrong-secret' });
    for (const call of [
      () => bad.passwordless.sendEmail({ email: ADA, send: 'code' }),
      () =>
        bad.passwordless.loginWithEmail({
          email: ADA,
          code: '123456',
          audience: emulator.audience,
        }),
      () => bad.oauth.refreshTokenGrant({ refresh_token: 'v1.x' }),
      () => bad.oauth.revokeRefreshToken({ token: 'v1.x' }),
    ]) {
      const err = await authError(call());
      expect(refusal(err)).toEqual([401, 'access_denied', 'Unauthorized']);
    }
    expect(emulator.outbox()).toEqual([]);
  });

  test('an unknown client id: 401 access_denied', async () => {
    const other = new AuthenticationClient({
      domain: emulator.domain,
      clientId: 'someone-else',
      clientSecret: emulator.clientSecret,
    });
    const err = await authError(other.passwordless.sendEmail({ email: ADA, send: 'code' }));
    expect([err.statusCode, err.error]).toEqual([401, 'access_denied']);
  });

  test('an invalid email address: 400 bad.email', async () => {
    const err = await authError(
      auth0.passwordless.sendEmail({ email: 'not-an-email', send: 'code' }),
    );
    expect([err.statusCode, err.error]).toEqual([400, 'bad.email']);
  });

  test('send: link is not supported by the emulator: 400 bad.send', async () => {
    const err = await authError(auth0.passwordless.sendEmail({ email: ADA, send: 'link' }));
    expect([err.statusCode, err.error]).toEqual([400, 'bad.send']);
  });
});

describe('auth0-forwarded-for (https://auth0.com/docs/authenticate/passwordless/implement-login/embedded-login/relevant-api-endpoints)', () => {
  // The SDK's per-call `initOverrides` is spread over the request init: a plain
  // `{ headers: {...} }` REPLACES the SDK's headers (Content-Type included). The function form
  // keeps them and adds ours.
  const forwardedFor =
    (ip: string): InitOverrideFunction =>
    ({ init }) =>
      Promise.resolve({ headers: { ...init.headers, 'auth0-forwarded-for': ip } });

  test('the function form of initOverrides adds the header on every call and keeps the SDK headers', async () => {
    const ip = '203.0.113.7';
    await auth0.passwordless.sendEmail({ email: ADA, send: 'code' }, forwardedFor(ip));
    const code = emulator.outbox(ADA)[0]!.code;
    const { data } = await auth0.passwordless.loginWithEmail(
      { email: ADA, code, audience: emulator.audience, scope: SCOPE },
      { initOverrides: forwardedFor(ip) },
    );
    await auth0.oauth.refreshTokenGrant(
      { refresh_token: data.refresh_token! },
      { initOverrides: forwardedFor(ip) },
    );
    await auth0.oauth.revokeRefreshToken(
      { token: data.refresh_token! },
      { initOverrides: forwardedFor(ip) },
    );
    // (The SDK's ID token check also fetches /.well-known/jwks.json, through jose, without it.)
    const calls = emulator.requests().filter((r) => !r.path.startsWith('/.well-known/'));
    expect(calls.map((r) => r.path)).toEqual([
      '/passwordless/start',
      '/oauth/token',
      '/oauth/token',
      '/oauth/revoke',
    ]);
    for (const call of calls) {
      expect(call.headers['auth0-forwarded-for']).toBe(ip);
      expect(call.headers['auth0-client']).toEqual(expect.any(String)); // telemetry is added after overrides
    }
    expect(calls[0]!.headers['content-type']).toMatch(/^application\/json/);
  });

  test('a plain { headers } object drops Content-Type, so /passwordless/start gets text/plain and fails with 400', async () => {
    const err = await authError(
      auth0.passwordless.sendEmail(
        { email: ADA, send: 'code' },
        { headers: { 'auth0-forwarded-for': '203.0.113.7' } },
      ),
    );
    expect(err.statusCode).toBe(400);
    expect(emulator.requests()[0]!.headers['content-type']).toMatch(/^text\/plain/);
    expect(emulator.outbox()).toEqual([]);
  });
});

describe('fault injection', () => {
  test('status 503 answers Auth0-shaped temporarily_unavailable for `count` requests, then recovers', async () => {
    emulator.setFaults({ status: 503, count: 1 });
    const err = await authError(auth0.passwordless.sendEmail({ email: ADA, send: 'code' }));
    expect([err.statusCode, err.error]).toEqual([503, 'temporarily_unavailable']);
    await expect(auth0.passwordless.sendEmail({ email: ADA, send: 'code' })).resolves.toMatchObject(
      { status: 200 },
    );
    expect(emulator.outbox(ADA)).toHaveLength(1);
  });

  test('status 429 answers too_many_requests with only the documented x-ratelimit-* headers, no retry-after (https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy)', async () => {
    emulator.setFaults({ status: 429, paths: ['/passwordless/start'] });
    const err = await authError(auth0.passwordless.sendEmail({ email: ADA, send: 'code' }));
    expect([err.statusCode, err.error]).toEqual([429, 'too_many_requests']);
    expect(err.headers.get('retry-after')).toBeNull();
    expect(err.headers.get('x-ratelimit-limit')).toBe('50');
    expect(err.headers.get('x-ratelimit-remaining')).toBe('0');
    // Epoch seconds at which the bucket refills: 30 s after the emulator's clock.
    expect(Number(err.headers.get('x-ratelimit-reset'))).toBe(Math.ceil(clock / 1000) + 30);
    // Only the listed paths are affected.
    await expect(
      fetch(`${emulator.issuer}.well-known/jwks.json`).then((r) => r.status),
    ).resolves.toBe(200);
    emulator.clearFaults();
    await expect(auth0.passwordless.sendEmail({ email: ADA, send: 'code' })).resolves.toBeDefined();
  });

  test('a named error keeps the status: 403 mfa_required (https://auth0.com/docs/secure/multi-factor-authentication/authenticate-using-ropg-flow-with-mfa), 429 too_many_attempts with x-ratelimit-* headers', async () => {
    emulator.setFaults({
      status: 403,
      error: 'mfa_required',
      description: 'Multifactor authentication required',
      paths: ['/oauth/token'],
      count: 1,
    });
    const code = await sendCode();
    const mfa = await authError(loginWith(code));
    expect(refusal(mfa)).toEqual([403, 'mfa_required', 'Multifactor authentication required']);
    emulator.setFaults({ status: 429, error: 'too_many_attempts', paths: ['/oauth/token'] });
    const blocked = await authError(loginWith(code));
    expect([blocked.statusCode, blocked.error]).toEqual([429, 'too_many_attempts']);
    expect(blocked.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
  });

  test('latency delays the answer; past the SDK timeout (timeoutDuration) the SDK throws FetchError caused by TimeoutError', async () => {
    emulator.setFaults({ latencyMs: 300, count: 2 });
    const started = performance.now();
    await auth0.passwordless.sendEmail({ email: ADA, send: 'code' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    const impatient = client({ timeoutDuration: 50 });
    // (A revoke of an unknown token: the emulator still finishes it after the client gave up, harmlessly.)
    const err = await impatient.oauth
      .revokeRefreshToken({ token: 'v1.unknown' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchError);
    expect((err as FetchError).cause).toBeInstanceOf(TimeoutError);
    expect((err as FetchError).message).toBe('The request was timed out.');
  });

  test('drop closes the connection: the SDK throws FetchError', async () => {
    emulator.setFaults({ drop: true, count: 1 });
    await expect(auth0.passwordless.sendEmail({ email: ADA, send: 'code' })).rejects.toBeInstanceOf(
      FetchError,
    );
    await expect(auth0.passwordless.sendEmail({ email: ADA, send: 'code' })).resolves.toBeDefined();
  });

  test('faults over the control API; controls themselves are never faulted nor logged', async () => {
    const put = await fetch(`${emulator.url}/__emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 503 }),
    });
    expect(put.status).toBe(200);
    const outbox = await fetch(`${emulator.url}/__emulator/outbox`);
    expect(outbox.status).toBe(200);
    await authError(auth0.passwordless.sendEmail({ email: ADA, send: 'code' }));
    expect((await fetch(`${emulator.url}/__emulator/faults`, { method: 'DELETE' })).status).toBe(
      204,
    );
    await auth0.passwordless.sendEmail({ email: ADA, send: 'code' });
    expect(emulator.requests().map((r) => r.path)).toEqual([
      '/passwordless/start',
      '/passwordless/start',
    ]);
  });
});

describe('client credentials (https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow)', () => {
  const service = (
    clientId: string = SERVICE_APPLICATION.clientId,
    clientSecret: string = SERVICE_APPLICATION.clientSecret,
  ) => new AuthenticationClient({ domain: emulator.domain, clientId, clientSecret });

  /** A raw client-credentials request, for what the SDK's method does not send (scope). */
  const grant = async (fields: Record<string, string>) => {
    const res = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', ...fields }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('the seeded service application gets an access token for the API with its scope greeting:read: sub <client id>@clients, azp, gty, no ID or refresh token', async () => {
    const { data } = await service().oauth.clientCredentialsGrant({ audience: emulator.audience });
    expect(data).toMatchObject({
      token_type: 'Bearer',
      expires_in: 86_400,
      scope: 'greeting:read',
    });
    expect(data).not.toHaveProperty('id_token');
    expect(data).not.toHaveProperty('refresh_token');
    const { payload, protectedHeader } = await verify(data.access_token);
    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: emulator.signingKid() });
    expect(payload).toMatchObject({
      iss: emulator.issuer,
      sub: `${SERVICE_APPLICATION.clientId}@clients`,
      aud: emulator.audience,
      azp: SERVICE_APPLICATION.clientId,
      scope: 'greeting:read',
      gty: 'client-credentials',
    });
    expect(payload.exp! - payload.iat!).toBe(86_400);
  });

  test('with the RFC 9068 profile the service token names the application in client_id, typed at+jwt', async () => {
    emulator.configure({ rfc9068AccessTokens: true });
    const { data } = await service().oauth.clientCredentialsGrant({ audience: emulator.audience });
    const { payload, protectedHeader } = await verify(data.access_token);
    expect(protectedHeader.typ).toBe('at+jwt');
    expect(payload.client_id).toBe(SERVICE_APPLICATION.clientId);
    expect(payload).not.toHaveProperty('azp');
  });

  test('a scope narrows the grant; a scope the application was not granted: 403 access_denied "Client has not been granted scopes: …"', async () => {
    const app = emulator.createApplication({ scopes: ['a:read', 'a:write'] });
    const narrow = await grant({
      ...credentials(app),
      audience: emulator.audience,
      scope: 'a:read',
    });
    expect(narrow.status).toBe(200);
    expect(narrow.body.scope).toBe('a:read');
    const all = await grant({ ...credentials(app), audience: emulator.audience });
    expect(all.body.scope).toBe('a:read a:write');
    const refused = await grant({
      ...credentials(app),
      audience: emulator.audience,
      scope: 'a:read b:admin',
    });
    expect(refused).toEqual({
      status: 403,
      body: {
        error: 'access_denied',
        error_description: 'Client has not been granted scopes: b:admin',
      },
    });
  });

  test('an application without scopes gets a token without a scope claim', async () => {
    const app = emulator.createApplication({ scopes: [] });
    const res = await grant({ ...credentials(app), audience: emulator.audience });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('scope');
    expect(decodeJwt(res.body.access_token as string)).not.toHaveProperty('scope');
  });

  test('no audience, or one the tenant does not know: 403 access_denied', async () => {
    const creds = credentials(SERVICE_APPLICATION);
    expect(await grant(creds)).toEqual({
      status: 403,
      body: {
        error: 'access_denied',
        error_description:
          'No audience parameter was provided, and no default audience has been configured',
      },
    });
    const other = await grant({ ...creds, audience: 'https://other.api.test' });
    expect([other.status, other.body.error_description]).toEqual([
      403,
      'Service not found: https://other.api.test',
    ]);
  });

  test("the people's application has no client-credentials grant, and the service no passwordless grant: 403 unauthorized_client (auth0.com/docs/get-started/applications/application-grant-types)", async () => {
    const people = await authError(
      auth0.oauth.clientCredentialsGrant({ audience: emulator.audience }),
    );
    expect(refusal(people)).toEqual([
      403,
      'unauthorized_client',
      "Grant type 'client_credentials' not allowed for the client.",
    ]);
    const code = await sendCode();
    const res = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...credentials(SERVICE_APPLICATION),
        grant_type: PASSWORDLESS_OTP_GRANT,
        realm: 'email',
        username: ADA,
        otp: code,
        audience: emulator.audience,
      }),
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('unauthorized_client');
    // The code was not spent on the refused grant.
    await loginWith(code);
  });

  test('a wrong secret: 401 access_denied "Unauthorized"', async () => {
    const err = await authError(
      service(SERVICE_APPLICATION.clientId, 'wrong-secret').oauth.clientCredentialsGrant({
        audience: emulator.audience,
      }),
    );
    expect(refusal(err)).toEqual([401, 'access_denied', 'Unauthorized']);
  });

  test('POST /__emulator/applications creates an application (201 { id, clientSecret }) the SDK can use; GET lists them without secrets; reset forgets it, the seeded ones stay', async () => {
    const res = await fetch(`${emulator.url}/__emulator/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'reporting', scopes: ['greeting:read', 'reports:read'] }),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; clientSecret: string };
    expect(created.id).toBe('reporting');
    const { data } = await service(created.id, created.clientSecret).oauth.clientCredentialsGrant({
      audience: emulator.audience,
    });
    expect(decodeJwt(data.access_token)).toMatchObject({
      sub: 'reporting@clients',
      azp: 'reporting',
      scope: 'greeting:read reports:read',
    });

    const again = await fetch(`${emulator.url}/__emulator/applications`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ clientId: 'reporting', scopes: [] }),
    });
    expect(again.status).toBe(409);
    for (const bad of [
      {},
      { scopes: 'greeting:read' },
      { scopes: ['two words'] },
      { scopes: [], extra: 1 },
    ]) {
      const refused = await fetch(`${emulator.url}/__emulator/applications`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(bad),
      });
      expect(refused.status).toBe(400);
    }

    const listed = (await (await fetch(`${emulator.url}/__emulator/applications`)).json()) as {
      applications: Array<Record<string, unknown>>;
    };
    expect(listed.applications.map((a) => a.clientId)).toEqual([
      emulator.clientId,
      SERVICE_APPLICATION.clientId,
      'reporting',
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.clientSecret);

    emulator.reset();
    expect(emulator.applications().map((a) => a.clientId)).toEqual([
      emulator.clientId,
      SERVICE_APPLICATION.clientId,
    ]);
    const gone = await authError(
      service(created.id, created.clientSecret).oauth.clientCredentialsGrant({
        audience: emulator.audience,
      }),
    );
    expect(gone.statusCode).toBe(401);
  });
});

function credentials(app: { clientId: string; clientSecret: string }) {
  return { client_id: app.clientId, client_secret: app.clientSecret };
}
