// Auth0Client against the real Auth0 emulator over HTTPS: the SDK, the wire format and the
// error bodies are the real ones, so the error mapping is tested end to end, without mocks.
import { Logger } from '@nestjs/common';
import type { Auth0Emulator } from '@portcullis/emulators';
import { startEmulators, type EmulatorStack } from '@portcullis/emulators/testing';
import { loadConfig } from '../config/config.js';
import { DomainError } from '../common/domain-error.js';
import { JsonLogger } from '../common/json-logger.js';
import { Auth0Client, SendFailed } from './auth0.client.js';

const IP = '203.0.113.7';

/** The DomainError a promise rejects with (fails the test if it resolves or throws another). */
async function domainError(promise: Promise<unknown>): Promise<DomainError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return err;
}

describe(Auth0Client.name, () => {
  let stack: EmulatorStack;
  let emulator: Auth0Emulator;
  let client: Auth0Client;
  let offsetMs = 0;
  let n = 0;
  const logs: string[] = [];

  /** A fresh address per test, so codes and attempt counts never leak between tests. */
  const newEmail = () => `user${++n}@example.com`;

  const clientFor = (overrides: Record<string, string> = {}) =>
    new Auth0Client(
      loadConfig({
        ...stack.env,
        AUTH0_TIMEOUT_MS: '3000',
        ...overrides,
      }),
    );

  /** The latest code the emulator emailed to `email`. */
  const codeFor = (email: string) => {
    const message = emulator.outbox(email)[0];
    if (!message) throw new Error(`no code for ${email}`);
    return message.code;
  };
  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  async function signIn(email = newEmail()) {
    await client.sendCode(email, undefined);
    return client.loginWithCode(email, codeFor(email), undefined);
  }

  beforeAll(async () => {
    Logger.overrideLogger(new JsonLogger('trace', (line) => logs.push(line)));
    stack = await startEmulators({ auth0: { now: () => Date.now() + offsetMs } });
    emulator = stack.auth0;
    client = clientFor();
  });

  afterEach(() => {
    offsetMs = 0;
    emulator.reset();
    // Codes and tokens never reach our logs.
    for (const line of logs) expect(line).not.toMatch(/"[0-9]{6}"|eyJ/);
    logs.length = 0;
  });

  afterAll(async () => {
    await stack.stop();
  });

  describe('sendCode', () => {
    it('makes Auth0 email a code, forwarding the client IP as auth0-forwarded-for', async () => {
      const email = newEmail();
      await client.sendCode(email, IP);
      expect(codeFor(email)).toMatch(/^[0-9]{6}$/);
      const starts = emulator.requests().filter((r) => r.path === '/passwordless/start');
      expect(starts).toHaveLength(1);
      expect(starts[0]!.headers['auth0-forwarded-for']).toBe(IP);
      // The override keeps the SDK's own JSON content type.
      expect(starts[0]!.headers['content-type']).toMatch(/^application\/json/);
    });

    it('sends no auth0-forwarded-for without a client IP', async () => {
      await client.sendCode(newEmail(), undefined);
      const [start] = emulator.requests();
      expect(start!.headers['auth0-forwarded-for']).toBeUndefined();
    });

    it("maps 429 to rate_limited (transient) with Retry-After from Auth0's x-ratelimit-reset (epoch seconds)", async () => {
      emulator.setFaults({ status: 429, paths: ['/passwordless/start'] });
      const err = await domainError(client.sendCode(newEmail(), IP));
      expect(err.code).toBe('rate_limited');
      expect(err).toBeInstanceOf(SendFailed);
      expect((err as SendFailed).transient).toBe(true);
      // The emulator's bucket refills 30 s after its clock (the same as ours here).
      expect(err.extra.retryAfterSeconds).toBeGreaterThanOrEqual(29);
      expect(err.extra.retryAfterSeconds).toBeLessThanOrEqual(31);
    });

    it("counts Retry-After from x-ratelimit-reset on the API's clock (the emulator's 100 s ahead)", async () => {
      offsetMs = 100_000;
      emulator.setFaults({ status: 429, paths: ['/passwordless/start'] });
      const err = await domainError(client.sendCode(newEmail(), IP));
      expect(err.extra.retryAfterSeconds).toBeGreaterThanOrEqual(129);
      expect(err.extra.retryAfterSeconds).toBeLessThanOrEqual(131);
    });

    it.each([
      ['503', { status: 503 }],
      ['a dropped connection', { drop: true }],
    ])('maps %s to upstream_unavailable, transient', async (_name, fault) => {
      emulator.setFaults({ ...fault, paths: ['/passwordless/start'] });
      const err = await domainError(client.sendCode(newEmail(), IP));
      expect(err).toBeInstanceOf(SendFailed);
      expect([err.code, (err as SendFailed).transient]).toEqual(['upstream_unavailable', true]);
    });

    it('a timeout is upstream_unavailable but not transient: Auth0 may have sent that code already', async () => {
      emulator.setFaults({ latencyMs: 1500, paths: ['/passwordless/start'] });
      const impatient = clientFor({ AUTH0_TIMEOUT_MS: '200' });
      const err = await domainError(impatient.sendCode(newEmail(), IP));
      expect([err.code, (err as SendFailed).transient]).toEqual(['upstream_unavailable', false]);
    });

    it('maps an Auth0 400 (the address Auth0 refuses) to access_denied, not transient: a refusal, not an outage', async () => {
      const err = await domainError(client.sendCode('not-an-email', undefined));
      expect([err.code, (err as SendFailed).transient]).toEqual(['access_denied', false]);
      const line = logs.find((l) => l.includes('auth0 refused to send a code'));
      expect(line).toContain('"error":"bad.email"');
      expect(line).toContain('"level":"warn"');
    });

    it('a refused client secret is access_denied too, logged as an error naming the settings', async () => {
      const wrongSecret = clientFor({ AUTH0_CLIENT_SECRET: 'not-the-secret' });
      const err = await domainError(wrongSecret.sendCode(newEmail(), undefined));
      expect([err.code, (err as SendFailed).transient]).toEqual(['access_denied', false]);
      const line = logs.find((l) => l.includes('AUTH0_CLIENT_SECRET'));
      expect(line).toContain('"level":"error"');
      expect(line).toContain('"status":401');
    });
  });

  describe('loginWithCode', () => {
    it('exchanges the right code for tokens, forwarding the client IP', async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      const tokens = await client.loginWithCode(email, codeFor(email), IP);
      expect(tokens.accessToken.split('.')).toHaveLength(3);
      expect(tokens.refreshToken).toEqual(expect.any(String));
      expect(tokens.expiresIn).toBeGreaterThan(0);
      expect(tokens.idClaims).toMatchObject({
        sub: expect.any(String),
        email,
        email_verified: true,
        aud: emulator.clientId,
      });
      const grants = emulator.requests().filter((r) => r.path === '/oauth/token');
      expect(grants).toHaveLength(1);
      expect(grants[0]!.headers['auth0-forwarded-for']).toBe(IP);
    });

    it('maps a wrong code to invalid_code', async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      const err = await domainError(client.loginWithCode(email, wrong(codeFor(email)), IP));
      expect(err.code).toBe('invalid_code');
    });

    it('maps a code for an address that was never sent one to invalid_code', async () => {
      const err = await domainError(client.loginWithCode(newEmail(), '123456', IP));
      expect(err.code).toBe('invalid_code');
    });

    it('maps the third wrong code to too_many_attempts; the right one is dead after that', async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      const code = codeFor(email);
      const codes: string[] = [];
      for (let i = 0; i < 3; i++) {
        codes.push((await domainError(client.loginWithCode(email, wrong(code), IP))).code);
      }
      expect(codes).toEqual(['invalid_code', 'invalid_code', 'too_many_attempts']);
      const after = await domainError(client.loginWithCode(email, code, IP));
      expect(after.code).toBe('too_many_attempts');
    });

    it('maps an expired code to code_expired', async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      const code = codeFor(email);
      offsetMs = 181_000;
      const err = await domainError(client.loginWithCode(email, code, IP));
      expect(err.code).toBe('code_expired');
    });

    it('maps 503 on /oauth/token to upstream_unavailable', async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      emulator.setFaults({ status: 503, paths: ['/oauth/token'], count: 1 });
      const err = await domainError(client.loginWithCode(email, codeFor(email), IP));
      expect(err.code).toBe('upstream_unavailable');
      expect(err.extra.retryAfterSeconds).toBe(5);
      // The fault was not a verdict on the code: it still works.
      await expect(client.loginWithCode(email, codeFor(email), IP)).resolves.toBeDefined();
    });

    it('maps 429 on /oauth/token to rate_limited with retryAfterSeconds', async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      emulator.setFaults({ status: 429, paths: ['/oauth/token'] });
      const err = await domainError(client.loginWithCode(email, codeFor(email), IP));
      expect(err.code).toBe('rate_limited');
      expect(err.extra.retryAfterSeconds).toBeGreaterThanOrEqual(29);
      expect(err.extra.retryAfterSeconds).toBeLessThanOrEqual(31);
      // No automatic retries: Auth0 saw one request.
      expect(emulator.requests().filter((r) => r.path === '/oauth/token')).toHaveLength(1);
    });

    it('maps a blocked user (401 unauthorized "user is blocked") to access_denied, never "try again shortly"', async () => {
      const email = newEmail();
      emulator.setUser({ email, blocked: true });
      await client.sendCode(email, undefined);
      const err = await domainError(client.loginWithCode(email, codeFor(email), IP));
      expect(err.code).toBe('access_denied');
      expect(err.message).toMatch(/blocked/);
      expect(err.message).not.toMatch(/shortly/);
      expect(err.extra.retryAfterSeconds).toBeUndefined();
    });

    it("maps an Action's denial (403 access_denied) to access_denied", async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      emulator.setFaults({ status: 403, paths: ['/oauth/token'] });
      const err = await domainError(client.loginWithCode(email, codeFor(email), IP));
      expect(err.code).toBe('access_denied');
      expect(err.message).toMatch(/administrator/);
    });

    it.each([
      [403, 'mfa_required', 'Multifactor authentication required', /multi-factor/],
      [401, 'requires_verification', 'Suspicious request requires verification', /bot detection/],
    ])(
      'maps %i %s to access_denied with a sentence naming what the administrator must change',
      async (status, error, description, sentence) => {
        const email = newEmail();
        await client.sendCode(email, undefined);
        emulator.setFaults({ status, error, description, paths: ['/oauth/token'] });
        const err = await domainError(client.loginWithCode(email, codeFor(email), IP));
        expect(err.code).toBe('access_denied');
        expect(err.message).toMatch(sentence);
        expect(err.message).not.toMatch(/shortly/);
      },
    );

    it('maps brute-force protection (429 too_many_attempts) to too_many_attempts with Retry-After from x-ratelimit-reset', async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      emulator.setFaults({ status: 429, error: 'too_many_attempts', paths: ['/oauth/token'] });
      const err = await domainError(client.loginWithCode(email, codeFor(email), IP));
      expect(err.code).toBe('too_many_attempts');
      expect(err.extra.retryAfterSeconds).toBeGreaterThanOrEqual(29);
      expect(err.extra.retryAfterSeconds).toBeLessThanOrEqual(31);
    });

    it('maps an audience Auth0 does not know (403 access_denied "Service not found", our configuration) to upstream_unavailable', async () => {
      const misconfigured = clientFor({ AUTH0_AUDIENCE: 'https://nothing.example' });
      const email = newEmail();
      await client.sendCode(email, undefined);
      const err = await domainError(misconfigured.loginWithCode(email, codeFor(email), IP));
      expect(err.code).toBe('upstream_unavailable');
    });

    it('maps a dropped connection to upstream_unavailable', async () => {
      const email = newEmail();
      await client.sendCode(email, undefined);
      emulator.setFaults({ drop: true, paths: ['/oauth/token'] });
      const err = await domainError(client.loginWithCode(email, codeFor(email), IP));
      expect(err.code).toBe('upstream_unavailable');
    });

    it('maps a refused client secret (our configuration) to upstream_unavailable, logged', async () => {
      const misconfigured = clientFor({ AUTH0_CLIENT_SECRET: 'wrong-secret' });
      const err = await domainError(misconfigured.loginWithCode(newEmail(), '123456', IP));
      expect(err.code).toBe('upstream_unavailable');
      expect(logs.some((l) => l.includes('"level":"error"') && l.includes('"status":401'))).toBe(
        true,
      );
    });
  });

  describe('refresh', () => {
    it('rotates the refresh token, forwarding the client IP', async () => {
      const first = await signIn();
      const next = await client.refresh(first.refreshToken!, IP);
      expect(next.refreshToken).toEqual(expect.any(String));
      expect(next.refreshToken).not.toBe(first.refreshToken);
      // (The access token may equal the old one: same claims within the same second.)
      expect(next.accessToken.split('.')).toHaveLength(3);
      expect(next.idClaims.sub).toBe(first.idClaims.sub);
      const grants = emulator.requests().filter((r) => r.path === '/oauth/token');
      expect(grants.at(-1)!.headers['auth0-forwarded-for']).toBe(IP);
    });

    it('maps an unknown refresh token to session_expired', async () => {
      const err = await domainError(client.refresh('not-a-refresh-token', IP));
      expect(err.code).toBe('session_expired');
    });

    it('maps a reused (rotated) refresh token to session_expired', async () => {
      const first = await signIn();
      await client.refresh(first.refreshToken!, undefined);
      const err = await domainError(client.refresh(first.refreshToken!, undefined));
      expect(err.code).toBe('session_expired');
    });

    it('maps a user blocked after sign-in to access_denied', async () => {
      const email = newEmail();
      const first = await signIn(email);
      emulator.setUser({ email, blocked: true });
      const err = await domainError(client.refresh(first.refreshToken!, undefined));
      expect(err.code).toBe('access_denied');
    });

    it("maps an Action's denial at refresh (403 access_denied) to access_denied", async () => {
      const first = await signIn();
      emulator.setFaults({
        status: 403,
        error: 'access_denied',
        description: 'Your access has been revoked.',
        paths: ['/oauth/token'],
      });
      const err = await domainError(client.refresh(first.refreshToken!, undefined));
      expect(err.code).toBe('access_denied');
      // The Action's own text stays out of our answers and logs.
      expect(err.message).not.toMatch(/revoked/);
      expect(logs.join('\n')).not.toMatch(/revoked/);
    });

    it('maps 503 to upstream_unavailable, not session_expired', async () => {
      const first = await signIn();
      emulator.setFaults({ status: 503, paths: ['/oauth/token'] });
      const err = await domainError(client.refresh(first.refreshToken!, undefined));
      expect(err.code).toBe('upstream_unavailable');
    });
  });

  describe('revoke', () => {
    it('revokes a refresh token: it can no longer be used', async () => {
      const first = await signIn();
      await client.revoke(first.refreshToken!);
      const err = await domainError(client.refresh(first.refreshToken!, undefined));
      expect(err.code).toBe('session_expired');
    });

    it('succeeds for an unknown token, as Auth0 does', async () => {
      await expect(client.revoke('unknown-token')).resolves.toBeUndefined();
    });

    it('maps 503 to upstream_unavailable', async () => {
      emulator.setFaults({ status: 503, paths: ['/oauth/revoke'] });
      const err = await domainError(client.revoke('unknown-token'));
      expect(err.code).toBe('upstream_unavailable');
    });
  });

  describe('userInfo', () => {
    it('returns the profile for a valid access token', async () => {
      const email = newEmail();
      const tokens = await signIn(email);
      const info = await client.userInfo(tokens.accessToken);
      expect(info).toMatchObject({ sub: tokens.idClaims.sub, email, email_verified: true });
    });

    it('returns null for a garbage token', async () => {
      await expect(client.userInfo('garbage')).resolves.toBeNull();
    });

    it('returns null for an expired token', async () => {
      const tokens = await signIn();
      offsetMs = 2 * 86_400_000;
      await expect(client.userInfo(tokens.accessToken)).resolves.toBeNull();
    });

    it('maps 503 to upstream_unavailable', async () => {
      emulator.setFaults({ status: 503, paths: ['/userinfo'] });
      const err = await domainError(client.userInfo('garbage'));
      expect(err.code).toBe('upstream_unavailable');
    });
  });
});
