import { Logger } from '@nestjs/common';
import { AuditService, type RequestMeta } from '../audit/audit.service';
import type { Auth0Client, Auth0Tokens } from '../auth0/auth0.client';
import { loadConfig } from '../config/config';
import type { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { JsonLogger } from '../common/json-logger';
import { EmailHasher } from '../common/redact';
import type { EligibilityService } from '../eligibility/eligibility.service';
import type { EligibilityRecord } from '../eligibility/eligibility.types';
import { SessionCipher } from './session-cipher';
import { SessionService } from './session.service';
import type { SessionData } from './session.types';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const IDLE_SECONDS = 3600;
const ABSOLUTE_SECONDS = 86_400;
const RECORD: EligibilityRecord = { recordId: '003A', FirstName: 'Ada' };
const SECRET = 'session-service-spec-secret-0123456789abcdef';
const META: RequestMeta = { ip: undefined, requestId: 'req-1' };
const at = (ip: string): RequestMeta => ({ ip, requestId: `req-${ip}` });

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tokens = (n: number): Auth0Tokens => ({
  accessToken: `access-${n}`,
  refreshToken: `refresh-${n}`,
  expiresIn: 86_400,
  idClaims: {},
});

/** Auth0 stand-in: each refresh call takes the next scripted answer (or rotates by default). */
class FakeAuth0 {
  readonly refreshCalls: Array<{ refreshToken: string; clientIp: string | undefined }> = [];
  readonly revokeCalls: string[] = [];
  readonly script: Array<() => Promise<Auth0Tokens>> = [];
  revokeFails = false;

  refresh(refreshToken: string, clientIp: string | undefined): Promise<Auth0Tokens> {
    this.refreshCalls.push({ refreshToken, clientIp });
    const next = this.script.shift();
    return next ? next() : Promise.resolve(tokens(this.refreshCalls.length));
  }

  revoke(refreshToken: string): Promise<void> {
    this.revokeCalls.push(refreshToken);
    return this.revokeFails
      ? Promise.reject(new DomainError('upstream_unavailable'))
      : Promise.resolve();
  }
}

class FakeEligibility {
  readonly calls: Array<{ email: string; fresh: boolean | undefined }> = [];
  record: EligibilityRecord | null = RECORD;
  error: Error | undefined;

  check(email: string, opts: { fresh?: boolean } = {}): Promise<EligibilityRecord | null> {
    this.calls.push({ email, fresh: opts.fresh });
    if (this.error) return Promise.reject(this.error);
    return Promise.resolve(this.record);
  }
}

function setup() {
  let now = T0;
  const clock: Clock = { now: () => now };
  const config = loadConfig({
    SESSION_SECRET: SECRET,
    SESSION_IDLE_SECONDS: String(IDLE_SECONDS),
    SESSION_ABSOLUTE_SECONDS: String(ABSOLUTE_SECONDS),
  });
  const auth0 = new FakeAuth0();
  const eligibility = new FakeEligibility();
  const cipher = new SessionCipher(config);
  const service = new SessionService(
    config,
    auth0 as unknown as Auth0Client,
    eligibility as unknown as EligibilityService,
    cipher,
    clock,
    new AuditService(new EmailHasher(SECRET)),
  );
  const session: SessionData = {
    v: 1,
    sid: 'sid-1',
    at: 'access-0',
    rt: 'refresh-0',
    user: { id: 'email|1', email: 'ada@example.com', emailVerified: true },
    elig: { recordId: '003A' },
    iat: T0,
    exp: T0 + IDLE_SECONDS * 1000,
    abs: T0 + ABSOLUTE_SECONDS * 1000,
  };
  return {
    service,
    auth0,
    eligibility,
    cipher,
    session,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe(SessionService.name, () => {
  const logs: string[] = [];

  beforeAll(() => {
    Logger.overrideLogger(new JsonLogger('trace', (line) => logs.push(line)));
  });

  afterEach(() => {
    // No token ever reaches a log line.
    for (const line of logs) expect(line).not.toMatch(/refresh-\d|access-\d/);
    logs.length = 0;
  });

  describe('refresh', () => {
    it('rotates the tokens, re-checks eligibility fresh and renews the idle expiry', async () => {
      const { service, auth0, eligibility, cipher, session, advance } = setup();
      advance(60_000);
      const { session: next, sealed } = await service.refresh(session, at('203.0.113.7'));
      expect(auth0.refreshCalls).toEqual([{ refreshToken: 'refresh-0', clientIp: '203.0.113.7' }]);
      expect(eligibility.calls).toEqual([{ email: 'ada@example.com', fresh: true }]);
      expect(next).toEqual({
        ...session,
        at: 'access-1',
        rt: 'refresh-1',
        elig: RECORD,
        exp: T0 + 60_000 + IDLE_SECONDS * 1000,
      });
      await expect(cipher.open(sealed)).resolves.toEqual(next);
    });

    it('never extends the idle expiry past the absolute one', async () => {
      const { service, session, advance } = setup();
      advance(ABSOLUTE_SECONDS * 1000 - 1000);
      const { session: next } = await service.refresh(session, META);
      expect(next.exp).toBe(session.abs);
    });

    it('keeps the old refresh token when Auth0 does not rotate it', async () => {
      const { service, auth0, session } = setup();
      auth0.script.push(() => Promise.resolve({ ...tokens(1), refreshToken: undefined }));
      const { session: next } = await service.refresh(session, META);
      expect(next.rt).toBe('refresh-0');
      expect(next.at).toBe('access-1');
    });

    it('shares one upstream refresh between concurrent calls with the same session', async () => {
      const { service, auth0, eligibility, session } = setup();
      const upstream = deferred<Auth0Tokens>();
      auth0.script.push(() => upstream.promise);
      const first = service.refresh(session, at('203.0.113.7'));
      const second = service.refresh(session, at('198.51.100.9'));
      const third = service.refresh({ ...session }, META);
      upstream.resolve(tokens(7));
      const results = await Promise.all([first, second, third]);
      expect(auth0.refreshCalls).toHaveLength(1);
      expect(eligibility.calls).toHaveLength(1);
      expect(results[1]).toBe(results[0]);
      expect(results[2]).toBe(results[0]);
      expect(results[0].session.at).toBe('access-7');
    });

    it('shares the failure of a concurrent upstream refresh too', async () => {
      const { service, auth0, session } = setup();
      const upstream = deferred<Auth0Tokens>();
      auth0.script.push(() => upstream.promise);
      const first = service.refresh(session, META);
      const second = service.refresh(session, META);
      upstream.reject(new DomainError('upstream_unavailable'));
      await expect(first).rejects.toMatchObject({ code: 'upstream_unavailable' });
      await expect(second).rejects.toMatchObject({ code: 'upstream_unavailable' });
      expect(auth0.refreshCalls).toHaveLength(1);
    });

    it('does not share between different refresh tokens', async () => {
      const { service, auth0, session } = setup();
      const [a, b] = await Promise.all([
        service.refresh(session, META),
        service.refresh({ ...session, rt: 'refresh-other' }, META),
      ]);
      expect(auth0.refreshCalls.map((c) => c.refreshToken).sort()).toEqual([
        'refresh-0',
        'refresh-other',
      ]);
      expect(a.session.at).not.toBe(b.session.at);
    });

    it('gives a late call with the old cookie the same result within the grace window', async () => {
      const { service, auth0, session, advance } = setup();
      const first = await service.refresh(session, META);
      advance(29_999);
      const late = await service.refresh(session, META);
      expect(late).toBe(first);
      expect(auth0.refreshCalls).toHaveLength(1);
    });

    it('refreshes upstream again once the grace window has passed', async () => {
      const { service, auth0, session, advance } = setup();
      const first = await service.refresh(session, META);
      advance(30_000);
      const again = await service.refresh(session, META);
      expect(auth0.refreshCalls).toHaveLength(2);
      expect(again.session.at).not.toBe(first.session.at);
    });

    it('the rotated session refreshes with its own new token', async () => {
      const { service, auth0, session } = setup();
      const first = await service.refresh(session, META);
      const second = await service.refresh(first.session, META);
      expect(auth0.refreshCalls.map((c) => c.refreshToken)).toEqual(['refresh-0', 'refresh-1']);
      expect(second.session.rt).toBe('refresh-2');
    });

    it('revokes and refuses with not_eligible when the CRM no longer allows the person', async () => {
      const { service, auth0, eligibility, session } = setup();
      eligibility.record = null;
      const err: unknown = await service.refresh(session, META).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe('not_eligible');
      expect(auth0.revokeCalls).toEqual(['refresh-0']);
      expect(auth0.refreshCalls).toHaveLength(0);
    });

    it('still answers not_eligible when the revocation fails', async () => {
      const { service, auth0, eligibility, session } = setup();
      eligibility.record = null;
      auth0.revokeFails = true;
      await expect(service.refresh(session, META)).rejects.toMatchObject({
        code: 'not_eligible',
      });
      expect(auth0.revokeCalls).toHaveLength(1);
    });

    it('refuses with session_expired at the absolute expiry, without any upstream call', async () => {
      const { service, auth0, eligibility, session, advance } = setup();
      advance(ABSOLUTE_SECONDS * 1000);
      await expect(service.refresh(session, META)).rejects.toMatchObject({
        code: 'session_expired',
      });
      expect(auth0.refreshCalls).toHaveLength(0);
      expect(auth0.revokeCalls).toHaveLength(0);
      expect(eligibility.calls).toHaveLength(0);
    });

    it('refuses a recent result once the absolute expiry has passed', async () => {
      const { service, session, advance } = setup();
      const nearEnd = { ...session, abs: T0 + 10_000 };
      await service.refresh(nearEnd, META);
      advance(10_000);
      await expect(service.refresh(nearEnd, META)).rejects.toMatchObject({
        code: 'session_expired',
      });
    });

    it('refuses with session_expired without a refresh token', async () => {
      const { service, auth0, eligibility, session } = setup();
      const { rt: _rt, ...noRefresh } = session;
      await expect(service.refresh(noRefresh, META)).rejects.toMatchObject({
        code: 'session_expired',
      });
      expect(auth0.refreshCalls).toHaveLength(0);
      expect(eligibility.calls).toHaveLength(0);
    });

    it('passes on session_expired from Auth0 (unknown or reused refresh token)', async () => {
      const { service, auth0, session } = setup();
      auth0.script.push(() => Promise.reject(new DomainError('session_expired')));
      await expect(service.refresh(session, META)).rejects.toMatchObject({
        code: 'session_expired',
      });
    });

    it('does not cache an upstream failure: the next call retries', async () => {
      const { service, auth0, session } = setup();
      auth0.script.push(() => Promise.reject(new DomainError('upstream_unavailable')));
      await expect(service.refresh(session, META)).rejects.toMatchObject({
        code: 'upstream_unavailable',
      });
      const retried = await service.refresh(session, META);
      expect(auth0.refreshCalls).toHaveLength(2);
      expect(retried.session.at).toBe('access-2');
    });

    it('does not cache an eligibility failure: the next call retries', async () => {
      const { service, auth0, eligibility, session } = setup();
      eligibility.error = new DomainError('upstream_unavailable');
      await expect(service.refresh(session, META)).rejects.toMatchObject({
        code: 'upstream_unavailable',
      });
      expect(auth0.refreshCalls).toHaveLength(0);
      eligibility.error = undefined;
      await expect(service.refresh(session, META)).resolves.toBeDefined();
      expect(eligibility.calls).toHaveLength(2);
      expect(auth0.refreshCalls).toHaveLength(1);
    });
  });

  describe('create', () => {
    it('builds a session from the ID token claims, with idle and absolute expiries', async () => {
      const { service, cipher } = setup();
      const { session, sealed } = await service.create(
        'ada@example.com',
        {
          ...tokens(1),
          idClaims: { sub: 'email|1', email: 'Ada@Example.com', email_verified: true, name: 'Ada' },
        },
        RECORD,
      );
      expect(session).toEqual({
        v: 1,
        sid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        at: 'access-1',
        rt: 'refresh-1',
        user: { id: 'email|1', email: 'ada@example.com', emailVerified: true, name: 'Ada' },
        elig: RECORD,
        iat: T0,
        exp: T0 + IDLE_SECONDS * 1000,
        abs: T0 + ABSOLUTE_SECONDS * 1000,
      });
      await expect(cipher.open(sealed)).resolves.toEqual(session);
    });

    it('leaves out a name that is only the email, and a missing refresh token', async () => {
      const { service } = setup();
      const { session } = await service.create(
        'ada@example.com',
        {
          ...tokens(1),
          refreshToken: undefined,
          idClaims: { sub: 'email|1', email: 'ada@example.com', name: 'ada@example.com' },
        },
        RECORD,
      );
      expect(session.user).toEqual({
        id: 'email|1',
        email: 'ada@example.com',
        emailVerified: false,
      });
      expect('rt' in session).toBe(false);
    });

    it('refuses tokens without a subject', async () => {
      const { service } = setup();
      await expect(
        service.create('ada@example.com', { ...tokens(1), idClaims: {} }, RECORD),
      ).rejects.toMatchObject({ code: 'upstream_unavailable' });
    });
  });

  describe('end', () => {
    it('revokes the refresh token and never throws', async () => {
      const { service, auth0, session } = setup();
      auth0.revokeFails = true;
      await expect(service.end(session, META)).resolves.toBeUndefined();
      await expect(service.end(undefined, META)).resolves.toBeUndefined();
      const { rt: _rt, ...noRefresh } = session;
      await service.end(noRefresh, META);
      expect(auth0.revokeCalls).toEqual(['refresh-0']);
    });
  });

  describe('me', () => {
    it('answers with ISO times', () => {
      const { service, session } = setup();
      expect(service.me(session)).toEqual({
        user: session.user,
        eligibility: session.elig,
        session: {
          expiresAt: '2030-01-01T01:00:00.000Z',
          absoluteExpiresAt: '2030-01-02T00:00:00.000Z',
        },
      });
    });
  });
});
