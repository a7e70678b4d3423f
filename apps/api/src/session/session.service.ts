// The life of a session, as the rest of the API sees it: created at sign-in, found by the
// cookie's id and made ready for the request (not ended, not expired, its access token fresh
// and its eligibility recent), listed for the person, and ended. The parts: LiveSessions
// (this process's cache of sessions, and what every part shares), SessionRefresh (tokens and
// eligibility, one refresh per session) and SessionEnding (every way a session ends).
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { MeResponse, SessionSummary } from '@portcullis/shared';
import { AuditService, type RequestMeta } from '../audit/audit.service.js';
import type { Auth0Tokens } from '../auth0/auth0.client.js';
import { Clock } from '../common/clock.js';
import type { SessionView } from '../auth/principal.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { EligibilityRecord } from '../eligibility/eligibility.types.js';
import { MetricsService } from '../ops/metrics.service.js';
import {
  LiveSessions,
  ended,
  exclusive,
  tokenExpiry,
  unverifiedCookie,
  type LiveSession,
} from './live-sessions.js';
import { SessionCookie } from './session-cookie.js';
import { SessionEnding } from './session-ending.js';
import { SessionRefresh } from './session-refresh.js';
import { SessionStore, type SessionChanges } from './session-store.js';
import type { EndReason, SessionRecord, SessionTokens, SessionUser } from './session.types.js';

export { REFRESH_AHEAD_MS, type LiveSession } from './live-sessions.js';

/** At most this many sessions per person; the oldest ends first. */
export const MAX_SESSIONS_PER_USER = 50;
/** Last-seen (and with it the idle expiry) is written at most this often. */
export const LAST_SEEN_WRITE_MS = 60_000;
/**
 * With a shared store, how long a session cached here is trusted without reading the store
 * again: the bound on staleness if a revocation announcement is missed.
 */
export const STALE_MS = 5_000;

const SIGN_IN_AGAIN = 'Your session has ended. Sign in again.';
const expired = () => new DomainError('session_expired', SIGN_IN_AGAIN);

@Injectable()
export class SessionService {
  private readonly logger = new Logger('Session');
  private readonly cfg: AppConfig['session'];
  private readonly recheckMs: number;
  /** Whether the missing-refresh-token warning was logged (once per process). */
  private warnedNoRefreshToken = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly store: SessionStore,
    private readonly live: LiveSessions,
    private readonly refresher: SessionRefresh,
    private readonly ending: SessionEnding,
    private readonly cookie: SessionCookie,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {
    this.cfg = config.session;
    this.recheckMs = config.session.eligibilityRecheckSeconds * 1000;
  }

  /** A new session from a sign-in. Returns it and the cookie value to set. */
  async create(
    email: string,
    tokens: Auth0Tokens,
    eligibility: EligibilityRecord,
    meta: RequestMeta & { device: string },
  ): Promise<LiveSession> {
    const now = this.clock.now();
    const claims = tokens.idClaims;
    const sub = typeof claims.sub === 'string' ? claims.sub : undefined;
    if (!sub)
      throw new DomainError(
        'upstream_unavailable',
        'Sign-in is temporarily unavailable. Try again shortly.',
      );
    const user: SessionUser = {
      id: sub,
      email: typeof claims.email === 'string' ? claims.email.toLowerCase() : email,
      emailVerified: claims.email_verified === true,
      ...(typeof claims.name === 'string' && claims.name !== claims.email
        ? { name: claims.name }
        : {}),
    };
    if (!tokens.refreshToken && !this.warnedNoRefreshToken) {
      this.warnedNoRefreshToken = true;
      this.logger.warn({
        msg:
          'Auth0 issued no refresh token: turn on "Allow Offline Access" in the Auth0 Dashboard ' +
          '(Applications > APIs > this API > Settings) and keep offline_access in AUTH0_SCOPE. ' +
          'Until then every session ends when its access token expires.',
      });
    }
    const { id, value } = this.cookie.issue();
    const stored: SessionTokens = {
      at: tokens.accessToken,
      ...(tokens.refreshToken ? { rt: tokens.refreshToken } : {}),
    };
    const absoluteExpiresAt = now + this.cfg.absoluteSeconds * 1000;
    const record: SessionRecord = {
      id,
      handle: this.cookie.issue().id,
      user,
      eligibility,
      eligibilityCheckedAt: now,
      tokens: this.live.seal(id, stored),
      accessTokenExpiresAt: tokenExpiry(tokens.accessToken, tokens.expiresIn, now),
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: Math.min(absoluteExpiresAt, now + this.cfg.idleSeconds * 1000),
      absoluteExpiresAt,
      device: meta.device,
    };
    const over = await this.live.stored(this.store.create(record, MAX_SESSIONS_PER_USER));
    // The oldest sessions past the cap end like any other (their refresh tokens queued for
    // revocation in the same step as their removal).
    if (over.length > 0) await this.ending.endEvicted(over, meta);
    const live = this.live.add(record, stored, value, { now, lastSeenWrittenAt: now });
    this.metrics.sessionCreated();
    return live;
  }

  /**
   * The session a cookie value names, ready to use: not ended, not expired, its access token
   * fresh and its eligibility recent. Synchronous when nothing needs doing (the common case);
   * otherwise a promise. Throws (or rejects with) unauthenticated, session_expired,
   * not_eligible or upstream_unavailable. A value whose MAC does not verify never reaches the
   * store.
   */
  authenticate(value: string, meta: () => RequestMeta): LiveSession | Promise<LiveSession> {
    const id = value.slice(0, 22);
    const live = this.live.get(id);
    if (live && live.cookie === value) return this.ready(live, meta);
    const verified = this.cookie.verify(value);
    // Possibly MACed under a secret another instance holds: refused, but the cookie is kept.
    if (!verified) {
      this.metrics.keyMiss('cookie');
      throw unverifiedCookie();
    }
    if (live) return this.ready(live, meta);
    return this.load(verified.id).then((loaded) => this.ready(loaded, meta));
  }

  /** A session by the id of a cookie whose MAC verified, from the cache or the store. */
  private async load(id: string): Promise<LiveSession> {
    const record = await this.live.stored(this.store.get(id));
    if (!record) throw ended();
    const tokens = await this.live.openOrRefuse(record);
    const now = this.clock.now();
    // Another request may have loaded it meanwhile: keep one object per session.
    const raced = this.live.get(id);
    if (raced) return raced;
    const live = this.live.add(record, tokens, this.cookie.valueFor(id), {
      now,
      lastSeenWrittenAt: record.lastSeenAt,
    });
    // Re-sealed under the current secret, so an old one can leave the ring sooner.
    await this.live.resealIfOld(live);
    return live;
  }

  private ready(
    live: LiveSession,
    meta: () => RequestMeta,
    waited = false,
  ): LiveSession | Promise<LiveSession> {
    // A refresh, re-check or re-read is running: its outcome is this request's too, and then
    // what it leaves to do (a re-read is followed by the refresh it may reveal is due).
    if (live.pending)
      return waited ? live.pending : live.pending.then((l) => this.ready(l, meta, true));
    if (live.ended) throw ended();
    const now = this.clock.now();
    const r = live.record;
    if (now >= r.absoluteExpiresAt || now >= r.idleExpiresAt) {
      void this.ending.endQuietly(live, 'expired', meta());
      throw expired();
    }
    if (this.store.shared && now - live.confirmedAt >= STALE_MS) return this.revalidate(live, meta);
    if (now - live.lastSeenWrittenAt >= LAST_SEEN_WRITE_MS) this.touch(live, now);
    if (now >= live.refreshAt) return this.refresher.refresh(live, meta());
    if (now - r.eligibilityCheckedAt >= this.recheckMs) return this.refresher.recheck(live, meta());
    return live;
  }

  /**
   * The session with its eligibility confirmed by Salesforce within `maxAgeMs`
   * (@FreshEligibility): an older answer is asked again, as the session's one pending
   * operation. Withdrawn: every session of the person ends and this rejects with
   * not_eligible; Salesforce unable to answer: upstream_unavailable (fails closed).
   */
  async eligibleWithin(
    live: LiveSession,
    maxAgeMs: number,
    meta: RequestMeta,
  ): Promise<LiveSession> {
    const oldest = this.clock.now() - maxAgeMs;
    // Another operation may be pending (a refresh re-checks too; a re-read does not): wait
    // for it, then ask if the answer is still too old.
    for (let turn = 0; turn < 3; turn++) {
      if (live.ended) throw ended();
      if (live.record.eligibilityCheckedAt >= oldest) return live;
      live = await this.refresher.recheck(live, meta);
    }
    if (live.record.eligibilityCheckedAt >= oldest) return live;
    throw new DomainError(
      'upstream_unavailable',
      'Eligibility could not be confirmed. Try again.',
      {
        retryAfterSeconds: 2,
      },
    );
  }

  /**
   * Refreshes the session's tokens now (and re-checks eligibility first). Every request on
   * the session that arrives meanwhile waits for this one result; with `since`, a refresh
   * that completed after that time is taken as this one.
   */
  refresh(live: LiveSession, meta: RequestMeta, since?: number): Promise<LiveSession> {
    return this.refresher.refresh(live, meta, since);
  }

  /**
   * With a shared store, a session cached here is read again once it is STALE_MS old: the
   * backstop for a revocation announcement this process missed. If the store cannot be
   * reached, the request answers 503 (the cached copy is not trusted past the bound).
   */
  private revalidate(live: LiveSession, meta: () => RequestMeta): Promise<LiveSession> {
    return exclusive(live, async () => {
      const record = await this.live.reread(live);
      this.live.adopt(live, record, await this.live.openOrRefuse(record));
      await this.live.resealIfOld(live);
      return live;
    }).then((fresh) => this.ready(fresh, meta));
  }

  private touch(live: LiveSession, now: number): void {
    live.lastSeenWrittenAt = now;
    const changes: SessionChanges = {
      lastSeenAt: now,
      idleExpiresAt: Math.min(live.record.absoluteExpiresAt, now + this.cfg.idleSeconds * 1000),
    };
    live.record = { ...live.record, ...changes };
    this.store.update(live.record, changes).then(
      (updated) => {
        if (!updated) this.live.forget(live.record.id);
      },
      () =>
        this.logger.warn({
          msg: 'could not record last-seen; will try again',
          sid: live.record.handle,
        }),
    );
  }

  /** What /api/me says for a session. */
  me(live: LiveSession): MeResponse {
    return {
      user: live.record.user,
      eligibility: live.record.eligibility,
      session: {
        expiresAt: new Date(live.record.idleExpiresAt).toISOString(),
        absoluteExpiresAt: new Date(live.record.absoluteExpiresAt).toISOString(),
      },
    };
  }

  /** The person's sessions, newest first, the current one (by its handle) marked. */
  async list(userId: string, current: SessionView | undefined): Promise<SessionSummary[]> {
    const records = await this.live.stored(this.store.listByUser(userId));
    return records.map((r) => {
      // This process's copy of the current session may be newer than the store's.
      const mine = current?.id === r.handle ? current : undefined;
      return {
        id: r.handle,
        createdAt: new Date(r.createdAt).toISOString(),
        lastSeenAt: new Date(Math.max(r.lastSeenAt, mine?.lastSeenAt ?? 0)).toISOString(),
        expiresAt: new Date(
          Math.min(mine?.expiresAt ?? r.idleExpiresAt, r.absoluteExpiresAt),
        ).toISOString(),
        device: r.device,
        current: mine !== undefined,
      };
    });
  }

  /** Ends one of the person's sessions by its public handle; not_found for anyone else's. */
  endByHandle(userId: string, handle: string, meta: RequestMeta): Promise<SessionRecord> {
    return this.ending.endByHandle(userId, handle, meta);
  }

  /** Ends every session of the person but the one whose handle is `keepHandle`. */
  endOthers(userId: string, keepHandle: string | undefined, meta: RequestMeta): Promise<number> {
    return this.ending.endOthers(userId, keepHandle, meta);
  }

  /** Ends every session of the person (eligibility withdrawn, the operator command). */
  endAllForUser(userId: string, reason: EndReason, meta: RequestMeta): Promise<number> {
    return this.ending.endAllForUser(userId, reason, meta);
  }

  /** Ends the session a cookie value names, if its MAC verifies and it exists (logout). */
  endByCookie(value: string, meta: RequestMeta): Promise<boolean> {
    return this.ending.endByCookie(value, meta);
  }
}
