// The Auth0 emulator's error paths and test controls, over raw HTTPS: malformed bodies,
// missing fields, unknown grants and routes, concurrency, and the /__emulator API. None of
// these may crash or hang the emulator; each answers JSON in Auth0's `{ error, error_description }`
// shape (controls: `{ error }`). Run through `portcullis-dev-tls` (NODE_EXTRA_CA_CERTS).
import { beforeEach, describe, expect, test } from 'vitest';
import { startAuth0Emulator, type Auth0Emulator } from '../src/auth0/emulator.js';
import { passwordlessStart, startBody, useAuth0Emulator } from './helpers.js';

const ADA = 'ada.lovelace@example.com';
const OTP_GRANT = 'http://auth0.com/oauth/grant-type/passwordless/otp';

let emulator: Auth0Emulator;
let clock = Date.now();
const logLines: string[] = [];

useAuth0Emulator((started) => (emulator = started), {
  now: () => clock,
  log: (line) => logLines.push(line),
});

beforeEach(() => {
  clock = Date.now();
  logLines.length = 0;
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

async function call(
  path: string,
  init: {
    method?: string;
    json?: unknown;
    form?: Record<string, string>;
    body?: string;
    type?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.json);
  } else if (init.form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(init.form).toString();
  } else if (init.body !== undefined) {
    if (init.type) headers['content-type'] = init.type;
    body = init.body;
  }
  const res = await fetch(`${emulator.url}${path}`, {
    method: init.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  if (text) {
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    parsed = JSON.parse(text) as Record<string, unknown>;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

const creds = () => ({ client_id: emulator.clientId, client_secret: emulator.clientSecret });
const start = (extra: Record<string, unknown> = {}) =>
  call('/passwordless/start', { json: startBody(emulator, extra) });
const expectError = (
  answer: Answer,
  status: number,
  error: string,
  description?: string | RegExp,
) => {
  expect(answer.status).toBe(status);
  expect(answer.body.error).toBe(error);
  expect(answer.body.error_description).toEqual(
    description === undefined
      ? expect.any(String)
      : typeof description === 'string'
        ? description
        : expect.stringMatching(description),
  );
};

async function loginRaw(scope = 'openid email offline_access') {
  expect((await start()).status).toBe(200);
  const code = emulator.outbox(ADA)[0]!.code;
  const answer = await call('/oauth/token', {
    form: {
      ...creds(),
      grant_type: OTP_GRANT,
      realm: 'email',
      username: ADA,
      otp: code,
      audience: emulator.audience,
      scope,
    },
  });
  expect(answer.status).toBe(200);
  return answer.body as {
    access_token: string;
    refresh_token?: string;
    id_token?: string;
    expires_in: number;
  };
}

describe('defaults', () => {
  test('documented defaults: client portcullis-dev / portcullis-dev-secret, audience https://api.portcullis.test, issuer with trailing slash', () => {
    expect(emulator.clientId).toBe('portcullis-dev');
    expect(emulator.clientSecret).toBe('portcullis-dev-secret');
    expect(emulator.audience).toBe('https://api.portcullis.test');
    expect(emulator.domain).toBe(`localhost:${emulator.port}`);
    expect(emulator.url).toBe(`https://localhost:${emulator.port}`);
    expect(emulator.issuer).toBe(`https://localhost:${emulator.port}/`);
  });

  test('default settings at work: a 6-digit code that expires after 180 s; access tokens for 86 400 s, ID tokens for 36 000 s, and a refresh token that cannot be reused', async () => {
    const claims = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, number>;
    const tokens = await loginRaw();
    expect(emulator.outbox(ADA)[0]!.code).toMatch(/^\d{6}$/);
    expect(tokens.expires_in).toBe(86_400);
    expect(claims(tokens.access_token).exp! - claims(tokens.access_token).iat!).toBe(86_400);
    expect(claims(tokens.id_token!).exp! - claims(tokens.id_token!).iat!).toBe(36_000);
    const refresh = (refresh_token: string) =>
      call('/oauth/token', { form: { ...creds(), grant_type: 'refresh_token', refresh_token } });
    expect((await refresh(tokens.refresh_token!)).status).toBe(200);
    expectError(await refresh(tokens.refresh_token!), 403, 'invalid_grant'); // no reuse interval

    expect((await start()).status).toBe(200);
    const otp = emulator.outbox(ADA)[0]!.code;
    clock += 180_000;
    const late = await call('/oauth/token', {
      form: { ...creds(), grant_type: OTP_GRANT, realm: 'email', username: ADA, otp },
    });
    expectError(late, 403, 'invalid_grant', /expired/);
    expect(emulator.settings().revocationDeletesGrant).toBe(false);
  });

  test('the code is printed through `log` as "code for <email>: <code>"', async () => {
    await start();
    expect(logLines).toEqual([`[auth0-emulator] code for ${ADA}: ${emulator.outbox()[0]!.code}`]);
  });

  test('invalid settings are refused at start and by configure()', async () => {
    await expect(startAuth0Emulator({ port: 0, log: () => {}, codeTtlSeconds: 0 })).rejects.toThrow(
      /codeTtlSeconds/,
    );
    expect(() => emulator.configure({ accessTokenTtlSeconds: 1.5 })).toThrow(
      /accessTokenTtlSeconds/,
    );
    await expect(
      startAuth0Emulator({
        port: 0,
        log: () => {},
        revocationDeletesGrant: 'yes' as unknown as boolean,
      }),
    ).rejects.toThrow(/revocationDeletesGrant must be a boolean/);
    expect(() => emulator.configure({ revocationDeletesGrant: 1 as unknown as boolean })).toThrow(
      /revocationDeletesGrant must be a boolean/,
    );
    expect(emulator.settings().revocationDeletesGrant).toBe(false);
  });
});

describe('malformed requests answer 400 in Auth0 shape', () => {
  test('bad JSON', async () => {
    expectError(
      await call('/oauth/token', { body: '{"grant_type":', type: 'application/json' }),
      400,
      'invalid_request',
      'Invalid JSON body',
    );
    expectError(
      await call('/passwordless/start', { body: '{nope', type: 'application/json' }),
      400,
      'bad.request',
      'Invalid JSON body',
    );
    expectError(
      await call('/oauth/revoke', { body: '[1,2]', type: 'application/json' }),
      400,
      'invalid_request',
      'Request body must be a JSON object',
    );
  });

  test('a content type other than JSON or form', async () => {
    expectError(
      await call('/oauth/token', { body: 'grant_type=refresh_token', type: 'text/plain' }),
      400,
      'invalid_request',
      /Unsupported content type: text\/plain/,
    );
    expectError(
      await call('/passwordless/start', { body: '<x/>', type: 'application/xml' }),
      400,
      'bad.request',
      /Unsupported content type/,
    );
  });

  test('an oversized body (declared length) is refused without reading it', async () => {
    const answer = await call('/oauth/token', {
      body: JSON.stringify({ grant_type: 'x'.repeat(100_000) }),
      type: 'application/json',
    });
    expectError(answer, 400, 'invalid_request', 'Request body larger than 65536 bytes');
  });

  test('an oversized chunked body never crashes or hangs the emulator', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16_384));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 16) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const outcome = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    }).then(
      async (res) => res.status + (await res.text()),
      () => 'connection closed',
    );
    expect(outcome).toMatch(/^(400.*larger than 65536 bytes|connection closed)/);
    expect((await call('/.well-known/jwks.json')).status).toBe(200);
  });

  test('unknown routes: 404 JSON; a known route with another method: 405 with Allow', async () => {
    expectError(await call('/authorize'), 404, 'not_found', 'Not Found');
    expectError(await call('/oauth/token/'), 404, 'not_found');
    const wrong = await call('/oauth/token');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.body.error).toBe('method_not_allowed');
  });
});

describe('POST /oauth/token parameters', () => {
  test('missing grant_type: 400 invalid_request "Missing required parameter: grant_type"', async () => {
    expectError(
      await call('/oauth/token', { form: creds() }),
      400,
      'invalid_request',
      'Missing required parameter: grant_type',
    );
    expectError(
      await call('/oauth/token', { body: '', type: 'application/json' }),
      400,
      'invalid_request',
      'Missing required parameter: grant_type',
    );
  });

  test('an unknown grant: 403 unsupported_grant_type "Unsupported grant type: X"', async () => {
    for (const grant of ['password', 'authorization_code']) {
      expectError(
        await call('/oauth/token', { form: { ...creds(), grant_type: grant } }),
        403,
        'unsupported_grant_type',
        `Unsupported grant type: ${grant}`,
      );
    }
  });

  test('client authentication comes before the grant is looked at', async () => {
    expectError(
      await call('/oauth/token', { form: { grant_type: 'refresh_token', refresh_token: 'x' } }),
      401,
      'access_denied',
      'Unauthorized',
    );
    expectError(
      await call('/oauth/token', {
        form: { client_id: emulator.clientId, grant_type: 'refresh_token', refresh_token: 'x' },
      }),
      401,
      'access_denied',
      'Unauthorized',
    );
  });

  test('client_secret_basic is accepted as well as client_secret_post', async () => {
    const basic = Buffer.from(`${emulator.clientId}:${emulator.clientSecret}`).toString('base64');
    expectError(
      await call('/oauth/token', {
        form: { grant_type: 'refresh_token', refresh_token: 'v1.x' },
        headers: { authorization: `Basic ${basic}` },
      }),
      403,
      'invalid_grant',
      'Unknown or invalid refresh token.',
    );
  });

  test('passwordless OTP grant: missing realm, username or otp: 400 invalid_request naming the parameter', async () => {
    const full = {
      ...creds(),
      grant_type: OTP_GRANT,
      realm: 'email',
      username: ADA,
      otp: '123456',
    };
    for (const name of ['realm', 'username', 'otp'] as const) {
      const form: Record<string, string> = { ...full };
      delete form[name];
      expectError(
        await call('/oauth/token', { form }),
        400,
        'invalid_request',
        `Missing required parameter: ${name}`,
      );
      expectError(
        await call('/oauth/token', { form: { ...form, [name]: '' } }),
        400,
        'invalid_request',
        `Missing required parameter: ${name}`,
      );
    }
    expectError(
      await call('/oauth/token', { json: { ...full, otp: 123456 } }),
      400,
      'invalid_request',
      /otp must be a string/,
    );
    expectError(
      await call('/oauth/token', { form: { ...full, realm: 'sms' } }),
      400,
      'invalid_request',
      'Unknown realm: sms',
    );
  });

  test('a refused audience does not burn an attempt of the code', async () => {
    await start();
    const code = emulator.outbox(ADA)[0]!.code;
    const form = { ...creds(), grant_type: OTP_GRANT, realm: 'email', username: ADA, otp: code };
    for (let i = 0; i < 3; i++) {
      expectError(
        await call('/oauth/token', { form: { ...form, audience: 'https://other.test' } }),
        403,
        'access_denied',
        'Service not found: https://other.test',
      );
    }
    expect(
      (await call('/oauth/token', { form: { ...form, audience: emulator.audience } })).status,
    ).toBe(200);
  });

  test('refresh_token grant: missing refresh_token: 400; token endpoint JSON bodies work too', async () => {
    expectError(
      await call('/oauth/token', { json: { ...creds(), grant_type: 'refresh_token' } }),
      400,
      'invalid_request',
      'Missing required parameter: refresh_token',
    );
    const { refresh_token } = await loginRaw();
    const answer = await call('/oauth/token', {
      json: { ...creds(), grant_type: 'refresh_token', refresh_token },
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
  });

  test('refresh with a narrower scope drops the ID token when openid is left out; wider scopes are not granted', async () => {
    const { refresh_token } = await loginRaw();
    const narrowed = await call('/oauth/token', {
      form: {
        ...creds(),
        grant_type: 'refresh_token',
        refresh_token: refresh_token!,
        scope: 'offline_access read:all',
      },
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('offline_access');
    expect(narrowed.body.id_token).toBeUndefined();
  });

  test('concurrent refreshes with one token and no reuse interval: one wins, the rest fail and the family is revoked', async () => {
    const { refresh_token } = await loginRaw();
    const answers = await Promise.all(
      Array.from({ length: 3 }, () =>
        call('/oauth/token', {
          form: { ...creds(), grant_type: 'refresh_token', refresh_token: refresh_token! },
        }),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 200))
      expectError(loser, 403, 'invalid_grant', 'Unknown or invalid refresh token.');
    const next = await call('/oauth/token', {
      form: {
        ...creds(),
        grant_type: 'refresh_token',
        refresh_token: winners[0]!.body.refresh_token as string,
      },
    });
    expectError(next, 403, 'invalid_grant', 'Unknown or invalid refresh token.');
  });

  test('access and ID token lifetimes follow configure()', async () => {
    emulator.configure({ accessTokenTtlSeconds: 60, idTokenTtlSeconds: 30 });
    const tokens = await loginRaw();
    expect(tokens.expires_in).toBe(60);
    const claims = (jwt: string) =>
      JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as {
        iat: number;
        exp: number;
      };
    expect(claims(tokens.access_token).exp - claims(tokens.access_token).iat).toBe(60);
    expect(claims(tokens.id_token!).exp - claims(tokens.id_token!).iat).toBe(30);
    expect(claims(tokens.access_token).iat).toBe(Math.floor(clock / 1000));
  });
});

describe('POST /oauth/revoke', () => {
  test('missing token: 400 invalid_request; bad credentials: 401; form bodies accepted', async () => {
    expectError(
      await call('/oauth/revoke', { json: creds() }),
      400,
      'invalid_request',
      'Missing required parameter: token',
    );
    expectError(
      await call('/oauth/revoke', { json: { client_id: emulator.clientId, token: 'x' } }),
      401,
      'access_denied',
      'Unauthorized',
    );
    const { refresh_token } = await loginRaw();
    const res = await fetch(`${emulator.url}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...creds(), token: refresh_token! }),
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    expectError(
      await call('/oauth/token', {
        form: { ...creds(), grant_type: 'refresh_token', refresh_token: refresh_token! },
      }),
      403,
      'invalid_grant',
    );
  });
});

describe('POST /passwordless/start parameters (Auth0 "Errors > POST /passwordless/start")', () => {
  test('client: missing client_id 400 bad.client_id; missing or wrong secret 401 access_denied', async () => {
    expectError(
      await start({ client_id: undefined, client_secret: undefined }),
      400,
      'bad.client_id',
      'Missing required property: client_id',
    );
    expectError(await start({ client_secret: undefined }), 401, 'access_denied', 'Unauthorized');
    expectError(await start({ client_secret: 'nope' }), 401, 'access_denied', 'Unauthorized');
    expect(emulator.outbox()).toEqual([]);
  });

  test('connection: missing or not `email`: 400 bad.connection', async () => {
    expectError(
      await start({ connection: undefined }),
      400,
      'bad.connection',
      'Missing required property: connection',
    );
    expectError(
      await start({ connection: 'sms' }),
      400,
      'bad.connection',
      'Connection does not exist',
    );
    expectError(
      await start({ connection: 42 }),
      400,
      'bad.connection',
      'Connection does not exist',
    );
  });

  test('send: absent or link (Auth0 then sends a link) or anything but code: 400 bad.send', async () => {
    expectError(await start({ send: undefined }), 400, 'bad.send');
    expectError(
      await start({ send: 'carrier-pigeon' }),
      400,
      'bad.send',
      'error in send - No enum match for: "carrier-pigeon"',
    );
  });

  test('email: missing, not a string or implausible: 400 bad.email', async () => {
    expectError(
      await start({ email: undefined }),
      400,
      'bad.email',
      'Missing required property: email',
    );
    expectError(
      await start({ email: { $ne: null } }),
      400,
      'bad.email',
      'error in email - invalid type: object (expected string)',
    );
    for (const bad of [
      'plainaddress',
      '@example.com',
      'a@b',
      'a@@example.com',
      'a b@example.com',
      'a@example..com',
      `${'a'.repeat(250)}@example.com`,
    ]) {
      expectError(await start({ email: bad }), 400, 'bad.email', /email format validation failed/);
    }
    expect(emulator.outbox()).toEqual([]);
  });

  test('a hostile long address is refused quickly', async () => {
    const started = performance.now();
    expectError(await start({ email: `a@${'.'.repeat(60_000)}x ` }), 400, 'bad.email');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('unknown properties: 400 bad.request; authParams must be an object', async () => {
    expectError(
      await start({ username: ADA }),
      400,
      'bad.request',
      'the following properties are not allowed: username',
    );
    expectError(
      await start({ authParams: 'x' }),
      400,
      'bad.authParams',
      'error in authParams - invalid type: string (expected object)',
    );
    expect((await start({ authParams: { scope: 'openid' } })).status).toBe(200);
  });

  test('form-encoded start works too', async () => {
    const answer = await call('/passwordless/start', {
      form: startBody(emulator) as Record<string, string>,
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ email: ADA, email_verified: false });
  });
});

describe('test and dev controls (/__emulator)', () => {
  test('GET /__emulator/outbox: newest first, ?email= filters case-insensitively', async () => {
    await start();
    clock += 1000;
    await start({ email: 'grace.hopper@example.com' });
    clock += 1000;
    await start();
    const all = await call('/__emulator/outbox');
    const messages = all.body.messages as Array<{ to: string; code: string; sentAt: string }>;
    expect(messages.map((m) => m.to)).toEqual([ADA, 'grace.hopper@example.com', ADA]);
    expect(messages[0]!.sentAt).toBe(new Date(clock).toISOString());
    const ada = await call(`/__emulator/outbox?email=${encodeURIComponent(ADA.toUpperCase())}`);
    expect((ada.body.messages as unknown[]).length).toBe(2);
    expect(ada.body.messages).toEqual(emulator.outbox(ADA));
  });

  test('PUT /__emulator/faults validates the spec: 400 { error } when malformed', async () => {
    for (const body of [
      { status: 200 },
      { latencyMs: -1 },
      { count: 0 },
      { paths: ['no-slash'] },
      { drop: 'yes' },
      { error: 'mfa_required' },
      { status: 403, error: 7 },
      { status: 403, error: 'mfa_required', description: '' },
    ]) {
      const answer = await call('/__emulator/faults', { method: 'PUT', json: body });
      expect(answer.status).toBe(400);
      expect(answer.body.error).toEqual(expect.any(String));
    }
    const notJson = await call('/__emulator/faults', {
      method: 'PUT',
      body: '{',
      type: 'application/json',
    });
    expect(notJson.status).toBe(400);
    const ok = await call('/__emulator/faults', {
      method: 'PUT',
      json: { status: 500, count: 1, paths: ['/oauth/token'] },
    });
    expect(ok.body.faults).toEqual({ status: 500, count: 1, paths: ['/oauth/token'] });
    expect((await call('/__emulator/faults')).body.faults).toEqual({
      status: 500,
      count: 1,
      paths: ['/oauth/token'],
    });
    expectError(await call('/oauth/token', { form: creds() }), 500, 'server_error');
    expectError(await call('/oauth/token', { form: creds() }), 400, 'invalid_request'); // count used up
  });

  test('GET /__emulator/requests lists every service request (with logged headers, never credentials)', async () => {
    await call('/.well-known/jwks.json', { headers: { 'auth0-forwarded-for': '198.51.100.4' } });
    await start();
    await call('/nowhere');
    await call('/__emulator/outbox');
    const { requests } = (await call('/__emulator/requests')).body as {
      requests: Array<{ method: string; path: string; headers: Record<string, string> }>;
    };
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /.well-known/jwks.json',
      'POST /passwordless/start',
      'GET /nowhere',
    ]);
    expect(requests[0]!.headers['auth0-forwarded-for']).toBe('198.51.100.4');
    expect(JSON.stringify(requests)).not.toContain(emulator.clientSecret);
  });

  test('POST /__emulator/reset forgets users, codes, refresh tokens, outbox, faults and the request log', async () => {
    const before = await loginRaw();
    await start();
    emulator.setFaults({ status: 503, paths: ['/passwordless/start'] });
    expect((await call('/__emulator/reset', { method: 'POST' })).status).toBe(204);
    expect(emulator.outbox()).toEqual([]);
    expect(emulator.requests()).toEqual([]);
    expectError(
      await call('/oauth/token', {
        form: { ...creds(), grant_type: 'refresh_token', refresh_token: before.refresh_token! },
      }),
      403,
      'invalid_grant',
    );
    const after = await loginRaw(); // also proves faults are gone
    const sub = (jwt: string) =>
      (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { sub: string }).sub;
    expect(sub(after.access_token)).not.toBe(sub(before.access_token));
  });

  test('PUT /__emulator/settings changes lifetimes; bad values 400', async () => {
    const ok = await call('/__emulator/settings', { method: 'PUT', json: { codeTtlSeconds: 5 } });
    expect(ok.status).toBe(200);
    expect(ok.body.settings).toMatchObject({ codeTtlSeconds: 5 });
    expect(emulator.settings().codeTtlSeconds).toBe(5);
    await start();
    clock += 5000;
    const code = emulator.outbox(ADA)[0]!.code;
    expectError(
      await call('/oauth/token', {
        form: { ...creds(), grant_type: OTP_GRANT, realm: 'email', username: ADA, otp: code },
      }),
      403,
      'invalid_grant',
      'The verification code has expired. Please try to login again.',
    );
    for (const body of [
      { codeTtlSeconds: 0 },
      { codeTtlSeconds: '5' },
      { colour: 'blue' },
      { refreshReuseIntervalSeconds: -1 },
    ]) {
      const bad = await call('/__emulator/settings', { method: 'PUT', json: body });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toEqual(expect.any(String));
    }
    expect((await call('/__emulator/settings')).body.settings).toMatchObject({ codeTtlSeconds: 5 });
  });

  test('PUT /__emulator/settings revocationDeletesGrant: booleans only (400 naming the setting otherwise); GET shows it; reset() keeps it', async () => {
    expect((await call('/__emulator/settings')).body.settings).toMatchObject({
      revocationDeletesGrant: false,
    });
    const on = await call('/__emulator/settings', {
      method: 'PUT',
      json: { revocationDeletesGrant: true },
    });
    expect(on.status).toBe(200);
    expect(on.body.settings).toEqual({ ...emulator.settings(), revocationDeletesGrant: true });
    expect(emulator.settings().revocationDeletesGrant).toBe(true);
    for (const value of ['true', 1, 0, null, [], {}]) {
      const bad = await call('/__emulator/settings', {
        method: 'PUT',
        json: { revocationDeletesGrant: value },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/^revocationDeletesGrant must be a boolean \(true or false\)/);
    }
    // Integer settings still refuse booleans, and a refused patch changes nothing.
    const mixed = await call('/__emulator/settings', {
      method: 'PUT',
      json: { revocationDeletesGrant: false, codeTtlSeconds: true },
    });
    expect(mixed.status).toBe(400);
    expect(mixed.body.error).toMatch(/^codeTtlSeconds must be an integer/);
    expect(emulator.settings()).toMatchObject({
      revocationDeletesGrant: true,
      codeTtlSeconds: 180,
    });
    expect((await call('/__emulator/reset', { method: 'POST' })).status).toBe(204);
    expect((await call('/__emulator/settings')).body.settings).toMatchObject({
      revocationDeletesGrant: true,
    });
    const off = await call('/__emulator/settings', {
      method: 'PUT',
      json: { revocationDeletesGrant: false },
    });
    expect(off.body.settings).toMatchObject({ revocationDeletesGrant: false });
  });

  test('POST /__emulator/keys/rotate: retirePrevious must be a boolean; the JWKS follows', async () => {
    const kids = async () =>
      ((await call('/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map(
        (k) => k.kid,
      );
    const initial = await kids();
    expect(initial).toHaveLength(2);
    expect(
      (await call('/__emulator/keys/rotate', { method: 'POST', json: { retirePrevious: 'yes' } }))
        .status,
    ).toBe(400);
    const { kid } = (await call('/__emulator/keys/rotate', { method: 'POST' })).body as {
      kid: string;
    };
    expect(kid).toBe(initial[1]); // the published next key now signs
    expect(await kids()).toEqual(expect.arrayContaining(initial));
    expect(await kids()).toHaveLength(3);
    emulator.rotateKeys({ retirePrevious: true });
    expect(await kids()).toHaveLength(2);
    expect(await kids()).not.toContain(kid);
  });

  test('unknown control: 404 { error }; wrong method: 405', async () => {
    const unknown = await call('/__emulator/nothing');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual(expect.any(String));
    const wrong = await call('/__emulator/reset');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('robustness', () => {
  test('an unexpected exception answers 500 server_error JSON and the emulator keeps serving', async () => {
    const fragile = await startAuth0Emulator({
      port: 0,
      log: () => {
        throw new Error('log sink broken');
      },
    });
    try {
      const res = await passwordlessStart(fragile);
      expect(res.status).toBe(500);
      expect(await res.json()).toEqual({
        error: 'server_error',
        error_description: 'Internal Server Error',
      });
      expect((await fetch(`${fragile.url}/.well-known/jwks.json`)).status).toBe(200);
    } finally {
      await fragile.stop();
    }
  });
});
