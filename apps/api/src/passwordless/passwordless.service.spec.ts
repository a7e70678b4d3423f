import { Logger } from '@nestjs/common';
import { InMemoryCounterStore } from '../abuse/counter-store.js';
import { LimitsService, RefusingGlobalStartGate } from '../abuse/limits.service.js';
import { AuditService, type RequestMeta } from '../audit/audit.service.js';
import type { Auth0Client, Auth0Tokens } from '../auth0/auth0.client.js';
import type { Clock } from '../common/clock.js';
import { loadConfig } from '../config/config.js';
import { DomainError } from '../common/domain-error.js';
import { SendFailed } from '../auth0/auth0.client.js';
import { MetricsService } from '../ops/metrics.service.js';
import { JsonLogger } from '../common/json-logger.js';
import { EmailHasher } from '../common/redact.js';
import type { EligibilityService } from '../eligibility/eligibility.service.js';
import type { EligibilityRecord } from '../eligibility/eligibility.types.js';
import type { LiveSession, SessionService } from '../session/session.service.js';
import { LatestCodes } from './latest-codes.js';
import { PasswordlessService } from './passwordless.service.js';

/** The contract code of a thrown value (a DomainError's), or what else it was. */
const codeOf = (err: unknown): string =>
  err instanceof DomainError ? err.code : `not a DomainError: ${String(err)}`;

const ELIGIBLE = 'ada@example.com';
const INELIGIBLE = 'charles@example.com';
const UNKNOWN = 'nobody@example.com';
const SECRET = 'passwordless-spec-secret-0123456789abcdef';
const T0 = Date.parse('2030-01-01T00:00:00Z');
const meta = (requestId = 'req-1', ip?: string): RequestMeta & { device: string } => ({
  ip,
  requestId,
  device: 'Chrome on Linux',
});

const TOKENS: Auth0Tokens = {
  accessToken: 'access-token',
  refreshToken: 'refresh-token',
  expiresIn: 86_400,
  idClaims: { sub: 'email|1' },
};

class FakeEligibility {
  readonly calls: string[] = [];
  readonly records = new Map<string, EligibilityRecord | null>([
    [ELIGIBLE, { recordId: '003A' }],
    [INELIGIBLE, null],
  ]);
  error: Error | undefined;
  readonly options: unknown[] = [];
  /** Addresses start asked to re-check after answering (every address alike). */
  readonly rechecked: string[] = [];

  drain(): Promise<void> {
    return Promise.resolve();
  }

  recheckIfStale(email: string): void {
    this.rechecked.push(email);
  }

  check(email: string, options?: unknown): Promise<EligibilityRecord | null> {
    this.calls.push(email);
    this.options.push(options);
    if (this.error) return Promise.reject(this.error);
    return Promise.resolve(this.records.get(email) ?? null);
  }
}

class FakeAuth0 {
  readonly sendCalls: Array<{ email: string; clientIp: string | undefined }> = [];
  readonly loginCalls: Array<{ email: string; code: string; clientIp: string | undefined }> = [];
  /** What the next sendCode returns; resolves by default. */
  nextSend: () => Promise<void> = () => Promise.resolve();
  nextLogin: () => Promise<Auth0Tokens> = () => Promise.resolve(TOKENS);
  readonly revoked: string[] = [];

  sendCode(email: string, clientIp: string | undefined): Promise<void> {
    this.sendCalls.push({ email, clientIp });
    return this.nextSend();
  }

  loginWithCode(email: string, code: string, clientIp: string | undefined): Promise<Auth0Tokens> {
    this.loginCalls.push({ email, code, clientIp });
    return this.nextLogin();
  }

  revoke(refreshToken: string): Promise<void> {
    this.revoked.push(refreshToken);
    return Promise.resolve();
  }
}

const USER = { id: 'email|1', email: ELIGIBLE, emailVerified: true };
/** What the fake session service hands back: only the parts PasswordlessService reads. */
const SESSION = {
  record: { handle: 'handle-1', user: USER, eligibility: { recordId: '003A' } },
  cookie: 'id.mac',
} as unknown as LiveSession;

class FakeSessions {
  readonly created: Array<{ email: string; tokens: Auth0Tokens; record: EligibilityRecord }> = [];

  create(email: string, tokens: Auth0Tokens, record: EligibilityRecord): Promise<LiveSession> {
    this.created.push({ email, tokens, record });
    return Promise.resolve(SESSION);
  }

  me(session: LiveSession) {
    return {
      user: session.record.user,
      eligibility: session.record.eligibility,
      session: { expiresAt: 'exp', absoluteExpiresAt: 'abs' },
    };
  }
}

function setup(env: Record<string, string> = {}) {
  const config = loadConfig({ SESSION_SECRET: SECRET, CODE_RESEND_SECONDS: '45', ...env });
  const eligibility = new FakeEligibility();
  const auth0 = new FakeAuth0();
  const sessions = new FakeSessions();
  const clock: Clock = { now: () => T0 };
  const store = new InMemoryCounterStore();
  const metrics = new MetricsService();
  const service = new PasswordlessService(
    config,
    eligibility as unknown as EligibilityService,
    auth0 as unknown as Auth0Client,
    sessions as unknown as SessionService,
    new LimitsService(store, clock, config, new RefusingGlobalStartGate()),
    new AuditService(new EmailHasher(SECRET)),
    new LatestCodes(store, clock, config),
    metrics,
  );
  service.retryDelayMs = 0;
  return { service, eligibility, auth0, sessions, metrics };
}

describe(PasswordlessService.name, () => {
  const logs: string[] = [];

  beforeAll(() => {
    Logger.overrideLogger(new JsonLogger('trace', (line) => logs.push(line)));
  });

  /** The audit events logged so far, parsed. */
  const audit = () =>
    logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true);

  afterEach(() => {
    // Addresses are logged only as keyed hashes.
    for (const line of logs) expect(line).not.toMatch(/@example\.com/);
    logs.length = 0;
  });

  describe('start', () => {
    const ANSWER = { resendAfterSeconds: 45, expiresInSeconds: 180, codeLength: 6 };

    it("answers the tenant's code lifetime (OTP_TTL_SECONDS)", async () => {
      const { service } = setup({ OTP_TTL_SECONDS: '60' });
      await expect(service.start(UNKNOWN, meta())).resolves.toEqual({
        resendAfterSeconds: 45,
        expiresInSeconds: 60,
        codeLength: 6,
      });
    });

    it('sends a code to an eligible address, forwarding the client IP', async () => {
      const { service, auth0, eligibility } = setup();
      await expect(service.start(ELIGIBLE, meta('req-1', '203.0.113.7'))).resolves.toEqual(ANSWER);
      await service.drain();
      expect(eligibility.calls).toEqual([ELIGIBLE]);
      expect(auth0.sendCalls).toEqual([{ email: ELIGIBLE, clientIp: '203.0.113.7' }]);
      expect(audit()).toContainEqual(
        expect.objectContaining({ event: 'code_sent', reqId: 'req-1', ip: '203.0.113.7' }),
      );
    });

    it.each([
      ['ineligible', INELIGIBLE],
      ['unknown', UNKNOWN],
    ])('sends nothing to an %s address and answers exactly the same', async (_kind, email) => {
      const { service, auth0, eligibility } = setup();
      const eligible = await service.start(ELIGIBLE, meta('req-1'));
      const other = await service.start(email, meta('req-2'));
      expect(eligibility.rechecked).toEqual([]);
      await service.drain();
      expect(other).toEqual(eligible);
      expect(auth0.sendCalls.map((c) => c.email)).toEqual([ELIGIBLE]);
      // After answering, a stale "yes" re-check is offered for every address alike.
      expect(eligibility.rechecked).toEqual([ELIGIBLE, email]);
    });

    it('answers before the send finishes: Auth0 latency tells nothing', async () => {
      const { service, auth0 } = setup();
      let finish!: () => void;
      auth0.nextSend = () => new Promise<void>((resolve) => (finish = resolve));
      await expect(service.start(ELIGIBLE, meta('req-1'))).resolves.toEqual(ANSWER);
      let drained = false;
      const draining = service.drain().then(() => (drained = true));
      // Let every queued microtask run: drain must still be waiting for the send.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(drained).toBe(false);
      finish();
      await draining;
      expect(drained).toBe(true);
    });

    /** The value of a counter sample in the service's registry (0 when absent). */
    async function sample(metrics: MetricsService, line: string): Promise<number> {
      const found = (await metrics.text()).split('\n').find((l) => l.startsWith(`${line} `));
      return found ? Number(found.slice(line.length + 1)) : 0;
    }

    it('a failing send neither rejects start nor drain, is retried once, then logged with its code and counted', async () => {
      const { service, auth0, metrics } = setup();
      auth0.nextSend = () => Promise.reject(new SendFailed('rate_limited', true, undefined));
      await expect(service.start(ELIGIBLE, meta('req-9'))).resolves.toEqual(ANSWER);
      await expect(service.drain()).resolves.toBeUndefined();
      expect(auth0.sendCalls).toHaveLength(2);
      expect(audit().find((l) => l.event === 'code_send_failed')).toMatchObject({
        reason: 'rate_limited',
        reqId: 'req-9',
        emailHash: new EmailHasher(SECRET).hash(ELIGIBLE),
      });
      expect(logs.some((l) => l.includes('can use Resend code'))).toBe(true);
      expect(await sample(metrics, 'portcullis_code_sends_total{outcome="rate_limited"}')).toBe(1);
      expect(await sample(metrics, 'portcullis_code_send_retries_total')).toBe(1);
    });

    it('a transient failure followed by a good send delivers the code: sent, not failed', async () => {
      const { service, auth0, metrics } = setup();
      let calls = 0;
      auth0.nextSend = () =>
        ++calls === 1
          ? Promise.reject(new SendFailed('upstream_unavailable', true, undefined))
          : Promise.resolve();
      await service.start(ELIGIBLE, meta('req-1'));
      await service.drain();
      expect(auth0.sendCalls).toHaveLength(2);
      expect(audit().find((l) => l.event === 'code_sent')).toMatchObject({ reason: 'retried' });
      expect(audit().some((l) => l.event === 'code_send_failed')).toBe(false);
      expect(await sample(metrics, 'portcullis_code_sends_total{outcome="sent"}')).toBe(1);
    });

    it('Auth0 refusing the send is not retried, and is counted as access_denied, not an outage', async () => {
      const { service, auth0, metrics } = setup();
      auth0.nextSend = () => Promise.reject(new SendFailed('access_denied', false, undefined));
      await expect(service.start(ELIGIBLE, meta('req-1'))).resolves.toEqual(ANSWER);
      await service.drain();
      expect(auth0.sendCalls).toHaveLength(1);
      expect(audit().find((l) => l.event === 'code_send_failed')).toMatchObject({
        reason: 'access_denied',
      });
      expect(await sample(metrics, 'portcullis_code_sends_total{outcome="access_denied"}')).toBe(1);
    });

    it('no retry when a newer start for the address sends its own code meanwhile; no decoy over its code', async () => {
      const { service, auth0, sessions } = setup({ CODE_RESEND_SECONDS: '0' });
      service.retryDelayMs = 50;
      auth0.nextSend = () =>
        Promise.reject(new SendFailed('upstream_unavailable', true, undefined));
      await service.start(ELIGIBLE, meta('req-1'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      auth0.nextSend = () => Promise.resolve();
      await service.start(ELIGIBLE, meta('req-2'));
      await service.drain();
      // The first send, the second start's send; the first one's retry was dropped.
      expect(auth0.sendCalls).toHaveLength(2);
      expect(audit().find((l) => l.event === 'code_send_failed')).toMatchObject({
        reason: 'upstream_unavailable_superseded',
        reqId: 'req-1',
      });
      // The code the second start sent works: no decoy answers in its place.
      await expect(service.verify(ELIGIBLE, '123456', meta())).resolves.toBeDefined();
      expect(sessions.created).toHaveLength(1);
    });

    it('a newer start that sends while the retry is in flight: no decoy over its code when the retry fails too', async () => {
      const { service, auth0, sessions } = setup({ CODE_RESEND_SECONDS: '0' });
      let releaseRetry: () => void = () => undefined;
      const failed = () => Promise.reject(new SendFailed('upstream_unavailable', true, undefined));
      let calls = 0;
      auth0.nextSend = () => {
        calls++;
        if (calls === 1) return failed();
        // The retry: held until the newer start's send has gone, then failing.
        return new Promise<void>((resolve) => (releaseRetry = resolve)).then(failed);
      };
      await service.start(ELIGIBLE, meta('req-1'));
      while (calls < 2) await new Promise((resolve) => setTimeout(resolve, 1));
      auth0.nextSend = () => Promise.resolve();
      await service.start(ELIGIBLE, meta('req-2'));
      while (auth0.sendCalls.length < 3) await new Promise((resolve) => setTimeout(resolve, 1));
      releaseRetry();
      await service.drain();
      expect(audit().find((l) => l.event === 'code_send_failed')).toMatchObject({
        reason: 'upstream_unavailable',
        reqId: 'req-1',
      });
      // The code the newer start sent works: the failed retry left no decoy in its place.
      await expect(service.verify(ELIGIBLE, '123456', meta())).resolves.toBeDefined();
      expect(sessions.created).toHaveLength(1);
    });

    it('a send failing with a non-domain error is logged as internal', async () => {
      const { service, auth0 } = setup();
      auth0.nextSend = () => Promise.reject(new TypeError('fetch failed'));
      await service.start(ELIGIBLE, meta('req-1'));
      await service.drain();
      expect(audit().find((l) => l.event === 'code_send_failed')).toMatchObject({
        reason: 'internal',
      });
    });

    it('drain() resolves at once with nothing pending, and forgets finished sends', async () => {
      const { service } = setup();
      await expect(service.drain()).resolves.toBeUndefined();
      await service.start(ELIGIBLE, meta('req-1'));
      await service.drain();
      await expect(service.drain()).resolves.toBeUndefined();
    });

    it('fails alike for every address when eligibility cannot be checked', async () => {
      const { service, auth0, eligibility } = setup();
      eligibility.error = new DomainError('upstream_unavailable');
      for (const email of [ELIGIBLE, INELIGIBLE]) {
        await expect(service.start(email, meta('req'))).rejects.toMatchObject({
          code: 'upstream_unavailable',
        });
      }
      expect(auth0.sendCalls).toHaveLength(0);
    });
  });

  describe('verify', () => {
    it('exchanges the code of an eligible address for a session', async () => {
      const { service, auth0, sessions } = setup();
      const result = await service.verify(ELIGIBLE, '123456', meta('req-1', '203.0.113.7'));
      expect(auth0.loginCalls).toEqual([
        { email: ELIGIBLE, code: '123456', clientIp: '203.0.113.7' },
      ]);
      expect(sessions.created).toEqual([
        { email: ELIGIBLE, tokens: TOKENS, record: { recordId: '003A' } },
      ]);
      expect(result).toMatchObject({
        session: SESSION,
        me: { user: USER, eligibility: { recordId: '003A' } },
      });
    });

    it.each([INELIGIBLE, UNKNOWN])(
      'asks Auth0 for %s too (the same round trip), then answers from the decoy code',
      async (email) => {
        const { service, auth0, sessions } = setup();
        auth0.nextLogin = () => Promise.reject(new DomainError('invalid_code'));
        await service.start(email, meta());
        const codes = [];
        for (let i = 0; i < 4; i++) {
          const err: unknown = await service
            .verify(email, '123456', meta())
            .catch((e: unknown) => e);
          expect(err).toBeInstanceOf(DomainError);
          codes.push(codeOf(err));
        }
        expect(codes).toEqual([
          'invalid_code',
          'invalid_code',
          'too_many_attempts',
          'too_many_attempts',
        ]);
        expect(auth0.loginCalls).toHaveLength(4);
        expect(sessions.created).toHaveLength(0);
      },
    );

    it('never creates a session for an address Salesforce refuses, even when Auth0 takes the code', async () => {
      const { service, auth0, sessions, eligibility } = setup();
      const err: unknown = await service
        .verify(INELIGIBLE, '123456', meta())
        .catch((e: unknown) => e);
      expect(codeOf(err)).toBe('invalid_code');
      expect(sessions.created).toHaveLength(0);
      await service.drain();
      expect(auth0.revoked).toEqual([TOKENS.refreshToken]);
      expect(eligibility.options).toEqual([{ maxAgeMs: 5000 }]);
    });

    it('refuses a right code that a later start (which sent no code) superseded', async () => {
      const { service, auth0, sessions, eligibility } = setup();
      eligibility.records.set(ELIGIBLE, null);
      await service.start(ELIGIBLE, meta());
      const err: unknown = await service
        .verify(ELIGIBLE, '123456', meta())
        .catch((e: unknown) => e);
      expect(codeOf(err)).toBe('invalid_code');
      expect(sessions.created).toHaveLength(0);
      await service.drain();
      expect(auth0.revoked).toEqual([TOKENS.refreshToken]);
    });

    it("decides failures from its own record, not Auth0's: no record (never started) is invalid_code whatever Auth0 said", async () => {
      const { service, auth0, sessions } = setup();
      auth0.nextLogin = () => Promise.reject(new DomainError('code_expired'));
      await expect(service.verify(ELIGIBLE, '123456', meta())).rejects.toMatchObject({
        code: 'invalid_code',
      });
      expect(auth0.loginCalls).toHaveLength(1);
      expect(sessions.created).toHaveLength(0);
    });

    it("before Auth0 confirms the new send, a guess answers as a fresh code (not Auth0's dead one), and a right one is refused and revoked", async () => {
      const { service, auth0, sessions } = setup({ CODE_RESEND_SECONDS: '0' });
      let confirmSend: () => void = () => undefined;
      auth0.nextSend = () => new Promise<void>((resolve) => (confirmSend = resolve));
      await service.start(ELIGIBLE, meta());
      // Auth0 still holds the previous, dead code.
      auth0.nextLogin = () => Promise.reject(new DomainError('too_many_attempts'));
      await expect(service.verify(ELIGIBLE, '111111', meta())).rejects.toMatchObject({
        code: 'invalid_code',
      });
      // Auth0 takes a guess (an older code it still holds): not a session while unconfirmed.
      auth0.nextLogin = () => Promise.resolve(TOKENS);
      await expect(service.verify(ELIGIBLE, '123456', meta())).rejects.toMatchObject({
        code: 'invalid_code',
      });
      while (auth0.sendCalls.length < 1) await new Promise((resolve) => setTimeout(resolve, 1));
      confirmSend();
      await service.drain();
      expect(auth0.revoked).toEqual([TOKENS.refreshToken]);
      expect(sessions.created).toHaveLength(0);
      // Confirmed: the right code signs in (the third guess of the code, none dead yet).
      await expect(service.verify(ELIGIBLE, '123456', meta())).resolves.toBeDefined();
      expect(sessions.created).toHaveLength(1);
    });
  });
});
