// GET /userinfo on the Auth0 emulator (https://auth0.com/docs/api/authentication/user-profile/get-user-info).
// Tokens come from real logins through the `auth0` SDK (legacy AuthenticationClient), and the
// SDK's own UserInfoClient calls the endpoint once. Run through `portcullis-dev-tls`
// (NODE_EXTRA_CA_CERTS) so the SDK and fetch trust the dev certificate.
import { generateKeyPairSync, sign } from 'node:crypto';
import {
  AuthenticationClient,
  ResponseError,
  UserInfoClient,
  UserInfoError,
  type UserInfoResponse,
} from 'auth0/legacy';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { beforeEach, describe, expect, test } from 'vitest';
import type { Auth0Emulator } from '../src/auth0/emulator.js';
import { useAuth0Emulator } from './helpers.js';

const ADA = 'ada.lovelace@example.com';

let emulator: Auth0Emulator;
let clock = Date.now();
let auth0: AuthenticationClient;

async function login(scope: string, opts: { audience?: string | null } = {}) {
  await auth0.passwordless.sendEmail({ email: ADA, send: 'code' });
  const code = emulator.outbox(ADA)[0]!.code;
  const audience = opts.audience === null ? undefined : (opts.audience ?? emulator.audience);
  const { data } = await auth0.passwordless.loginWithEmail({
    email: ADA,
    code,
    scope,
    ...(audience !== undefined ? { audience } : {}),
  });
  return data;
}

interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** GET /userinfo over fetch; `authorization` is the whole header (none when undefined). */
async function userinfo(authorization?: string, method = 'GET'): Promise<Answer> {
  const res = await fetch(`${emulator.url}/userinfo`, {
    method,
    headers: authorization === undefined ? {} : { authorization },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const bearer = (token: string) => userinfo(`Bearer ${token}`);

/** The 401 Auth0 answers on /userinfo: text body, RFC 6750 challenge. */
function expectUnauthorized(answer: Answer) {
  expect(answer.status).toBe(401);
  expect(answer.text).toBe('Unauthorized');
  expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
  expect(answer.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
}

function json(answer: Answer): Record<string, unknown> {
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  return JSON.parse(answer.text) as Record<string, unknown>;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The token with its payload replaced (the signature left as it was). */
function withPayload(token: string, patch: Record<string, unknown>): string {
  const [h, , s] = token.split('.');
  return `${h}.${b64({ ...decodeJwt(token), ...patch })}.${s}`;
}

useAuth0Emulator((started) => (emulator = started), { now: () => clock });

beforeEach(() => {
  clock = Date.now();
  auth0 = new AuthenticationClient({
    domain: emulator.domain,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
  });
});

describe('claims by scope (https://auth0.com/docs/get-started/apis/scopes/openid-connect-scopes)', () => {
  test("`openid profile email`: sub, email, email_verified, name, nickname, updated_at — the ID token's values", async () => {
    const tokens = await login('openid profile email');
    const body = json(await bearer(tokens.access_token));
    const id = decodeJwt(tokens.id_token!);
    expect(body).toEqual({
      sub: id.sub,
      email: ADA,
      email_verified: true,
      name: ADA,
      nickname: 'ada.lovelace',
      updated_at: id.updated_at,
    });
    expect(body.sub).toBe(decodeJwt(tokens.access_token).sub);
    expect(body.sub).toMatch(/^email\|[0-9a-f]{24}$/);
    expect(id).toMatchObject({
      email: body.email,
      email_verified: body.email_verified,
      name: body.name,
      nickname: body.nickname,
    });
  });

  test('only `openid`: only sub', async () => {
    const tokens = await login('openid');
    expect(json(await bearer(tokens.access_token))).toEqual({
      sub: decodeJwt(tokens.access_token).sub,
    });
  });

  test('`openid email` without profile: no name, nickname or updated_at; `openid profile`: no email', async () => {
    const withEmail = json(await bearer((await login('openid email offline_access')).access_token));
    expect(Object.keys(withEmail).sort()).toEqual(['email', 'email_verified', 'sub']);
    const withProfile = json(await bearer((await login('openid profile')).access_token));
    expect(Object.keys(withProfile).sort()).toEqual(['name', 'nickname', 'sub', 'updated_at']);
  });

  test('a refreshed access token works too, with the scope it was refreshed to', async () => {
    const first = await login('openid email offline_access');
    clock += 60_000;
    const { data: refreshed } = await auth0.oauth.refreshTokenGrant({
      refresh_token: first.refresh_token!,
    });
    expect(json(await bearer(refreshed.access_token))).toEqual({
      sub: decodeJwt(first.access_token).sub,
      email: ADA,
      email_verified: true,
    });
  });
});

describe("the SDK's UserInfoClient (auth0/legacy)", () => {
  test('getUserInfo(accessToken) sends GET /userinfo with the bearer token and returns the claims', async () => {
    const tokens = await login('openid profile email');
    const client = new UserInfoClient({ domain: emulator.domain });
    const { data, status } = await client.getUserInfo(tokens.access_token);
    expect(status).toBe(200);
    const id = decodeJwt(tokens.id_token!);
    const expected: UserInfoResponse = {
      sub: id.sub!,
      email: ADA,
      email_verified: true,
      name: ADA,
      nickname: 'ada.lovelace',
      updated_at: id.updated_at as string,
    };
    expect(data).toEqual(expected);
    const call = emulator.requests().find((r) => r.path === '/userinfo');
    expect(call).toMatchObject({ method: 'GET', path: '/userinfo' });
    expect(call?.headers['auth0-client']).toEqual(expect.any(String));
    expect(call?.headers).not.toHaveProperty('authorization'); // credentials are never logged
  });

  test('a refused token: the text body makes the SDK throw ResponseError 401 with the challenge header', async () => {
    const client = new UserInfoClient({ domain: emulator.domain });
    const err = await client.getUserInfo('not-a-token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseError);
    const e = err as ResponseError;
    expect([e.statusCode, e.body]).toEqual([401, 'Unauthorized']);
    expect(e.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});

describe('refused tokens: 401 "Unauthorized"', () => {
  test('no Authorization header, another scheme, an empty or malformed bearer value', async () => {
    const { access_token } = await login('openid email');
    expectUnauthorized(await userinfo());
    expectUnauthorized(await userinfo(`Basic ${access_token}`));
    expectUnauthorized(await userinfo('Bearer '));
    expectUnauthorized(await userinfo(`Bearer ${access_token} extra`));
    expectUnauthorized(await bearer('a.b.c'));
    // The scheme is case-insensitive (RFC 7235 §2.1).
    expect(json(await userinfo(`bearer ${access_token}`)).email).toBe(ADA);
  });

  test('expired by the emulator clock (no leeway); still valid the millisecond before; lifetime follows configure()', async () => {
    const { access_token } = await login('openid email');
    const { exp } = decodeJwt(access_token);
    clock = exp! * 1000 - 1;
    expect(json(await bearer(access_token)).email).toBe(ADA);
    clock = exp! * 1000;
    expectUnauthorized(await bearer(access_token));

    clock = Date.now();
    emulator.configure({ accessTokenTtlSeconds: 60 });
    const short = (await login('openid')).access_token;
    clock += 60_000;
    expectUnauthorized(await bearer(short));
  });

  test('a tampered token: changed claims, a changed signature, a non-canonical signature', async () => {
    const { access_token } = await login('openid');
    expect(json(await bearer(access_token))).toEqual({ sub: decodeJwt(access_token).sub });
    // Widening the scope, moving the expiry or switching users breaks the signature.
    expectUnauthorized(await bearer(withPayload(access_token, { scope: 'openid email profile' })));
    expectUnauthorized(await bearer(withPayload(access_token, { exp: 4_102_444_800 })));
    expectUnauthorized(
      await bearer(withPayload(access_token, { sub: 'email|000000000000000000000000' })),
    );
    const [h, p, s] = access_token.split('.') as [string, string, string];
    const middle = Math.floor(s.length / 2);
    const flipped = s[middle] === 'A' ? 'B' : 'A';
    expectUnauthorized(
      await bearer(`${h}.${p}.${s.slice(0, middle)}${flipped}${s.slice(middle + 1)}`),
    );
    expectUnauthorized(await bearer(`${h}.${p}.${s}=`));
    // A 256-byte signature leaves 4 unused bits in its last character: flipping one decodes to
    // the same bytes, but only the canonical spelling is accepted.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet[alphabet.indexOf(s.at(-1)!) ^ 1]!;
    const lenient = `${s.slice(0, -1)}${last}`;
    expect(Buffer.from(lenient, 'base64url')).toEqual(Buffer.from(s, 'base64url'));
    expectUnauthorized(await bearer(`${h}.${p}.${lenient}`));
    expectUnauthorized(await bearer(`${h}.${p}`));
  });

  test('a token signed by a key the tenant does not have, or with alg none, even naming a published kid', async () => {
    const { access_token } = await login('openid email');
    const claims = decodeJwt(access_token);
    const { kid } = decodeProtectedHeader(access_token);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const input = `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64(claims)}`;
    const forged = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    expectUnauthorized(await bearer(forged));
    expectUnauthorized(await bearer(`${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims)}.`));
  });

  test('without the userinfo audience: a login without `openid`, and the ID token', async () => {
    const noOpenid = await login('read:things');
    expect(decodeJwt(noOpenid.access_token).aud).toBe(emulator.audience);
    expectUnauthorized(await bearer(noOpenid.access_token));
    const withOpenid = await login('openid email');
    expect(decodeJwt(withOpenid.id_token!).aud).toBe(emulator.clientId);
    expectUnauthorized(await bearer(withOpenid.id_token!));
  });

  test('an opaque access token (login without audience) is not emulated: 401', async () => {
    const tokens = await login('openid email', { audience: null });
    expect(tokens.access_token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expectUnauthorized(await bearer(tokens.access_token));
  });

  test('signing keys: a token still verifies after rotation and fails once its key is retired', async () => {
    const { access_token } = await login('openid');
    emulator.rotateKeys();
    expect(json(await bearer(access_token)).sub).toBe(decodeJwt(access_token).sub);
    emulator.rotateKeys({ retirePrevious: true });
    expectUnauthorized(await bearer(access_token));
  });

  test('a user the emulator forgot (reset) is refused', async () => {
    const { access_token } = await login('openid');
    emulator.reset();
    expectUnauthorized(await bearer(access_token));
  });
});

describe('routing, faults, log, discovery', () => {
  test('GET only: other methods get 405 method_not_allowed with Allow: GET', async () => {
    const { access_token } = await login('openid');
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const answer = await userinfo(`Bearer ${access_token}`, method);
      expect(answer.status).toBe(405);
      expect(answer.headers.get('allow')).toBe('GET');
      expect(JSON.parse(answer.text)).toEqual({
        error: 'method_not_allowed',
        error_description: 'Method Not Allowed',
      });
    }
  });

  test('fault injection applies: 503 in Auth0 shape (UserInfoError through the SDK), then recovers', async () => {
    const { access_token } = await login('openid');
    emulator.setFaults({ status: 503, count: 1, paths: ['/userinfo'] });
    const client = new UserInfoClient({ domain: emulator.domain });
    const err = await client.getUserInfo(access_token).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserInfoError);
    expect([(err as UserInfoError).statusCode, (err as UserInfoError).error]).toEqual([
      503,
      'temporarily_unavailable',
    ]);
    await expect(client.getUserInfo(access_token)).resolves.toMatchObject({ status: 200 });
  });

  test('every call is in the request log, refused ones included', async () => {
    const { access_token } = await login('openid');
    await bearer(access_token);
    await userinfo();
    await userinfo(undefined, 'POST');
    expect(
      emulator
        .requests()
        .filter((r) => r.path === '/userinfo')
        .map((r) => r.method),
    ).toEqual(['GET', 'GET', 'POST']);
  });

  test('discovery names the endpoint as userinfo_endpoint', async () => {
    const discovery = (await (
      await fetch(`${emulator.issuer}.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(discovery.userinfo_endpoint).toBe(`${emulator.issuer}userinfo`);
  });
});

describe('ensureUser (in-process, for tests that sign their own tokens)', () => {
  test('creates the user a first login would create, once; /userinfo then knows a token for it', async () => {
    emulator.reset();
    const sub = emulator.ensureUser(' Ada.Lovelace@Example.com ');
    expect(sub).toMatch(/^email\|[0-9a-f]{24}$/);
    expect(emulator.ensureUser(ADA)).toBe(sub);
    const now = Math.floor(clock / 1000);
    const token = emulator.signToken({
      iss: emulator.issuer,
      sub,
      aud: [emulator.audience, `${emulator.issuer}userinfo`],
      scope: 'openid email',
      iat: now,
      exp: now + 60,
    });
    expect(json(await bearer(token))).toMatchObject({ sub, email: ADA });
    // And the first real login of that address is that user.
    expect((decodeJwt((await login('openid email')).access_token) as { sub: string }).sub).toBe(
      sub,
    );
  });
});
