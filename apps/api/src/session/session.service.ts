// The life of a session: created at sign-in, found by the cookie's id, refreshed on the
// server when its access token is about to expire (one refresh per session however many
// requests notice), its eligibility re-checked during use, and ended — by logout, by the
// person from another session, by expiry, by Auth0 refusing a refresh, by Salesforce
// withdrawing eligibility, or by an operator. The store is the truth; this process keeps a
// bounded cache of sessions it has seen (tokens decrypted, principal verified) so a request
// on a known session touches nothing else.
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { MeResponse, SessionSummary } from '@portcullis/shared';
import { AuditService, type RequestMeta } from '../audit/audit.service.js';
import { Auth0Client, type Auth0Tokens } from '../auth0/auth0.client.js';
import type { AuthUser } from '../auth/auth.types.js';
import { BoundedCache } from '../common/bounded-cache.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EligibilityService } from '../eligibility/eligibility.service.js';
import type { EligibilityRecord } from '../eligibility/eligibility.types.js';
import { MetricsService, outcomeOf } from '../ops/metrics.service.js';
import { KeyRing } from './key-ring.js';
import { SessionCookie } from './session-cookie.js';
import { SessionStore, type SessionChanges, type SessionRef } from './session-store.js';
import type { EndReason, SessionRecord, SessionTokens, SessionUser } from './session.types.js';

/** At most this many sessions per person; the oldest ends first. */
export const MAX_SESSIONS_PER_USER = 50;
/**
 * Refresh this long before the access token expires (or half its remaining life, for short
 * ones), so no request carries a token that dies on the way.
 */
export const REFRESH_AHEAD_MS = 60_000;
const refreshAt = (expiresAt: number, now: number) =>
  expiresAt - Math.min(REFRESH_AHEAD_MS, Math.max(0, (expiresAt - now) / 2));
/** Last-seen (and with it the idle expiry) is written at most this often. */
export const LAST_SEEN_WRITE_MS = 60_000;
/**
 * With a shared store, how long a session cached here is trusted without reading the store
 * again: the bound on staleness if a revocation announcement is missed.
 */
export const STALE_MS = 5_000;
/** How long one process may hold a session's refresh lock; others wait at most this long. */
const REFRESH_LOCK_MS = 10_000;
const REFRESH_POLL_MS = 50;
/** Sessions this process keeps decrypted and verified. */
const MAX_LIVE = 20_000;

/** A session this process has loaded: the record, its tokens in clear, what was derived. */
export interface LiveSession {
  record: SessionRecord;
  tokens: SessionTokens;
  /** The cookie value for this session under the current key. */
  cookie: string;
  /** Set once the session has ended: any request still holding this object is refused. */
  ended: boolean;
  /** The principal verified from tokens.at, and the key generation it was verified under. */
  principal?: { user: AuthUser; generation: number };
  /** A refresh or eligibility re-check in flight: every request on the session waits for it. */
  pending?: Promise<LiveSession>;
  lastSeenWrittenAt: number;
  /** When to refresh: shortly before the access token expires. */
  refreshAt: number;
  /** When this process last refreshed the tokens (0: never). */
  refreshedAt: number;
  /** When the record was last read from (or written to) a shared store. */
  confirmedAt: number;
}

const SIGN_IN_AGAIN = 'Your session has ended. Sign in again.';
const ended = () => new DomainError('unauthenticated', 'Sign in to continue.');
const expired = () => new DomainError('session_expired', SIGN_IN_AGAIN);
const notEligible = () => new DomainError('not_eligible', 'This account may no longer sign in.');

function tokenExpiry(accessToken: string, expiresInSeconds: number, now: number): number {
  const payload = accessToken.split('.')[1];
  if (payload) {
    try {
      const exp = (
        JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }
      ).exp;
      if (typeof exp === 'number') return exp * 1000;
    } catch {
      // Not a JWT we can read: fall back on what Auth0 said.
    }
  }
  return now + expiresInSeconds * 1000;
}

@Injectable()
export class SessionService {
  private readonly logger = new Logger('Session');
  private readonly cfg: AppConfig['session'];
  private readonly revocationDeletesGrant: boolean;
  private readonly recheckMs: number;
  private readonly live = new BoundedCache<string, LiveSession>(MAX_LIVE);
  /** When this process last revoked a refresh token of a person (see refreshTokens). */
  private readonly revokedLately = new BoundedCache<string, number>(10_000);
  /** Whether the missing-refresh-token warning was logged (once per process). */
  private warnedNoRefreshToken = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly store: SessionStore,
    private readonly cookie: SessionCookie,
    private readonly ring: KeyRing,
    private readonly auth0: Auth0Client,
    private readonly eligibility: EligibilityService,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {
    this.cfg = config.session;
    this.revocationDeletesGrant = config.auth0.revocationDeletesGrant;
    this.recheckMs = config.session.eligibilityRecheckSeconds * 1000;
    store.onEnded((ids) => ids.forEach((id) => this.forget(id)));
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
      tokens: this.ring.seal(JSON.stringify(stored), id),
      accessTokenExpiresAt: tokenExpiry(tokens.accessToken, tokens.expiresIn, now),
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: Math.min(absoluteExpiresAt, now + this.cfg.idleSeconds * 1000),
      absoluteExpiresAt,
      device: meta.device,
    };
    const evicted = await this.stored(this.store.create(record, MAX_SESSIONS_PER_USER));
    for (const old of evicted) {
      this.forget(old.id);
      await this.revokeTokens(old, { othersRemain: true });
      this.audit.record('session_ended', meta, {
        sid: old.handle,
        userId: user.id,
        reason: 'evicted',
      });
      this.metrics.sessionEnded('evicted');
    }
    const live: LiveSession = {
      record,
      tokens: stored,
      cookie: value,
      ended: false,
      lastSeenWrittenAt: now,
      refreshAt: refreshAt(record.accessTokenExpiresAt, now),
      refreshedAt: 0,
      confirmedAt: now,
    };
    this.live.set(id, live);
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
    if (!verified) throw ended();
    if (live) return this.ready(live, meta);
    return this.load(verified.id).then((loaded) => this.ready(loaded, meta));
  }

  /** The tokens of a record, or undefined when no secret of the ring opens them. */
  private open(record: SessionRecord): SessionTokens | undefined {
    const opened = this.ring.open(record.tokens, record.id);
    if (opened === undefined) return undefined;
    try {
      const tokens = JSON.parse(opened) as SessionTokens;
      return typeof tokens.at === 'string' ? tokens : undefined;
    } catch {
      return undefined;
    }
  }

  /** The tokens of a record; a record they cannot be read from is ended (nothing can use it). */
  private async openOrEnd(record: SessionRecord): Promise<SessionTokens> {
    const tokens = this.open(record);
    if (tokens) return tokens;
    this.logger.warn({
      msg: 'session tokens do not open with the key ring; session ended',
      sid: record.handle,
    });
    await this.stored(this.store.delete(record));
    this.forget(record.id);
    throw ended();
  }

  /** A session by the id of a cookie whose MAC verified, from the cache or the store. */
  private async load(id: string): Promise<LiveSession> {
    const record = await this.stored(this.store.get(id));
    if (!record) throw ended();
    const tokens = await this.openOrEnd(record);
    const now = this.clock.now();
    // Another request may have loaded it meanwhile: keep one object per session.
    const raced = this.live.get(id);
    if (raced) return raced;
    const live: LiveSession = {
      record,
      tokens,
      cookie: this.cookie.valueFor(id),
      ended: false,
      lastSeenWrittenAt: record.lastSeenAt,
      refreshAt: refreshAt(record.accessTokenExpiresAt, now),
      refreshedAt: 0,
      confirmedAt: now,
    };
    this.live.set(id, live);
    if (!this.ring.isCurrent(record.tokens)) {
      // Re-sealed under the current secret, so an old one can leave the ring sooner.
      this.write(live, { tokens: this.ring.seal(JSON.stringify(tokens), id) }).catch(() => {});
    }
    return live;
  }

  private ready(live: LiveSession, meta: () => RequestMeta): LiveSession | Promise<LiveSession> {
    // A refresh or re-check is running: its outcome is this request's too.
    if (live.pending) return live.pending;
    if (live.ended) throw ended();
    const now = this.clock.now();
    const r = live.record;
    if (now >= r.absoluteExpiresAt || now >= r.idleExpiresAt) {
      void this.endQuietly(live, 'expired', meta());
      throw expired();
    }
    if (this.store.shared && now - live.confirmedAt >= STALE_MS) return this.revalidate(live, meta);
    if (now - live.lastSeenWrittenAt >= LAST_SEEN_WRITE_MS) this.touch(live, now);
    if (now >= live.refreshAt) return this.refresh(live, meta());
    if (now - r.eligibilityCheckedAt >= this.recheckMs) return this.recheck(live, meta());
    return live;
  }

  /**
   * Refreshes the session's tokens now (and re-checks eligibility first). Every request on
   * the session that arrives meanwhile waits for this one result; with `since`, a refresh
   * that completed after that time is taken as this one.
   */
  refresh(live: LiveSession, meta: RequestMeta, since?: number): Promise<LiveSession> {
    if (since !== undefined && live.refreshedAt >= since) return Promise.resolve(live);
    return this.exclusive(live, () => this.refreshTokens(live, meta));
  }

  /**
   * With a shared store, a session cached here is read again once it is STALE_MS old: the
   * backstop for a revocation announcement this process missed. If the store cannot be
   * reached, the request answers 503 (the cached copy is not trusted past the bound).
   */
  private revalidate(live: LiveSession, meta: () => RequestMeta): Promise<LiveSession> {
    return this.exclusive(live, async () => {
      const record = await this.stored(this.store.get(live.record.id));
      if (!record) {
        this.forget(live.record.id);
        throw ended();
      }
      this.adopt(live, record, await this.openOrEnd(record));
      return live;
    }).then((fresh) => this.ready(fresh, meta));
  }

  /** Takes a record as stored (another process may have refreshed or touched it). */
  private adopt(live: LiveSession, record: SessionRecord, tokens: SessionTokens): void {
    const now = this.clock.now();
    if (record.tokens !== live.record.tokens) {
      live.tokens = tokens;
      live.principal = undefined;
      live.refreshAt = refreshAt(record.accessTokenExpiresAt, now);
    }
    // Our own last-seen may be newer than what reached the store.
    live.record = {
      ...record,
      lastSeenAt: Math.max(record.lastSeenAt, live.record.lastSeenAt),
      idleExpiresAt: Math.max(record.idleExpiresAt, live.record.idleExpiresAt),
    };
    live.confirmedAt = now;
  }

  private recheck(live: LiveSession, meta: RequestMeta): Promise<LiveSession> {
    return this.exclusive(live, async () => {
      await this.confirmEligibility(live, meta);
      return live;
    });
  }

  /** Runs `work` as the session's one pending operation (the per-session lock). */
  private exclusive(live: LiveSession, work: () => Promise<LiveSession>): Promise<LiveSession> {
    if (live.pending) return live.pending;
    const pending = work().finally(() => {
      live.pending = undefined;
    });
    live.pending = pending;
    return pending;
  }

  /** Asks Salesforce again; on a withdrawal every session of the person ends. */
  private async confirmEligibility(live: LiveSession, meta: RequestMeta): Promise<void> {
    const { user } = live.record;
    const record = await this.eligibility.check(user.email, { fresh: true });
    if (!record) {
      await this.endAllForUser(user.id, 'not_eligible', meta);
      this.audit.record('eligibility_revoked', meta, { email: user.email, userId: user.id });
      throw notEligible();
    }
    await this.write(live, { eligibility: record, eligibilityCheckedAt: this.clock.now() });
  }

  private async refreshTokens(live: LiveSession, meta: RequestMeta): Promise<LiveSession> {
    if (live.ended) throw ended();
    // One refresh per session across every process: Auth0 would see a second use of the
    // same refresh token as reuse and revoke the whole family. The process holding the
    // lock refreshes; the others watch the store for its result, and take the lock
    // themselves if it is let go without one (that refresh failed).
    const before = live.record.tokens;
    const deadline = this.clock.now() + REFRESH_LOCK_MS;
    for (;;) {
      const release = await this.stored(this.store.lock(live.record, REFRESH_LOCK_MS));
      if (release) {
        try {
          if (this.store.shared && (await this.tookOtherRefresh(live, before))) return live;
          return await this.refreshLocked(live, meta);
        } finally {
          await release().catch(() => {
            // It expires on its own (REFRESH_LOCK_MS).
          });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS));
      if (await this.tookOtherRefresh(live, before)) return live;
      if (this.clock.now() >= deadline) {
        throw new DomainError(
          'upstream_unavailable',
          'Your session is being renewed. Try again shortly.',
          { retryAfterSeconds: 1 },
        );
      }
    }
  }

  /** Whether another process stored new tokens since `before` (then they are taken). */
  private async tookOtherRefresh(live: LiveSession, before: string): Promise<boolean> {
    const record = await this.stored(this.store.get(live.record.id));
    if (!record) {
      this.forget(live.record.id);
      throw ended();
    }
    if (record.tokens === before) return false;
    this.adopt(live, record, await this.openOrEnd(record));
    live.refreshedAt = this.clock.now();
    return true;
  }

  private async refreshLocked(live: LiveSession, meta: RequestMeta): Promise<LiveSession> {
    const { record } = live;
    await this.confirmEligibility(live, meta);
    const rt = live.tokens.rt;
    if (!rt) {
      // No refresh token ("Allow Offline Access" off): the session lasts as long as its token.
      if (this.clock.now() < record.accessTokenExpiresAt) return live;
      this.metrics.refresh('no_refresh_token');
      await this.endQuietly(live, 'refresh_refused', meta);
      throw new DomainError('session_expired', 'Your session cannot be renewed. Sign in again.');
    }
    let tokens: Auth0Tokens;
    try {
      tokens = await this.auth0.refresh(rt, meta.ip);
    } catch (err) {
      this.metrics.refresh(outcomeOf(err));
      // Auth0 refusing the token, or the person (blocked, denied by an Action): it ends here.
      if (err instanceof DomainError && ['session_expired', 'access_denied'].includes(err.code)) {
        // Another session of the person ended (and its token was revoked) since this one
        // began: with the tenant setting on, that revocation took this session's grant too.
        const revokedAt = this.revokedLately.get(record.user.id);
        if (
          err.code === 'session_expired' &&
          revokedAt !== undefined &&
          revokedAt >= record.createdAt
        ) {
          this.logger.warn({
            msg:
              'Auth0 refused a refresh token shortly after another session of the same person ended: ' +
              'the tenant probably has "Refresh Token Revocation Deletes Grant" on. Turn it off, or set ' +
              'AUTH0_REVOCATION_DELETES_GRANT=true.',
            sid: record.handle,
          });
        }
        await this.endQuietly(live, 'refresh_refused', meta);
        this.audit.record('refresh_failed', meta, { sid: record.handle, reason: 'refused' });
      } else {
        this.audit.record('refresh_failed', meta, {
          sid: record.handle,
          reason: err instanceof DomainError ? err.code : 'internal',
        });
      }
      throw err;
    }
    const now = this.clock.now();
    const next: SessionTokens = { at: tokens.accessToken, rt: tokens.refreshToken ?? rt };
    const changes: SessionChanges = {
      tokens: this.ring.seal(JSON.stringify(next), record.id),
      accessTokenExpiresAt: tokenExpiry(tokens.accessToken, tokens.expiresIn, now),
    };
    try {
      await this.write(live, changes);
    } catch (err) {
      // Ended meanwhile (or the store failed): the new refresh token must not outlive it.
      if (tokens.refreshToken) await this.revokeQuietly(tokens.refreshToken);
      throw err;
    }
    live.tokens = next;
    live.refreshAt = refreshAt(live.record.accessTokenExpiresAt, now);
    live.refreshedAt = now;
    live.principal = undefined;
    this.metrics.refresh('ok');
    this.audit.record('session_refreshed', meta, { sid: record.handle, userId: record.user.id });
    return live;
  }

  /** Writes changes to the store and to the live copy; unauthenticated when the record is gone. */
  private async write(live: LiveSession, changes: SessionChanges): Promise<void> {
    const updated = await this.stored(this.store.update(live.record, changes));
    if (!updated) {
      this.forget(live.record.id);
      throw ended();
    }
    live.record = { ...live.record, ...changes };
    live.confirmedAt = this.clock.now();
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
        if (!updated) this.forget(live.record.id);
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

  /** The person's sessions, newest first, the current one marked. */
  async list(userId: string, current: LiveSession | undefined): Promise<SessionSummary[]> {
    const records = await this.stored(this.store.listByUser(userId));
    return records.map((r) => {
      const mine = current?.record.id === r.id ? current.record : r;
      return {
        id: r.handle,
        createdAt: new Date(r.createdAt).toISOString(),
        lastSeenAt: new Date(Math.max(r.lastSeenAt, mine.lastSeenAt)).toISOString(),
        expiresAt: new Date(Math.min(mine.idleExpiresAt, r.absoluteExpiresAt)).toISOString(),
        device: r.device,
        current: current?.record.id === r.id,
      };
    });
  }

  /** Ends one of the person's sessions by its public handle; not_found for anyone else's. */
  async endByHandle(userId: string, handle: string, meta: RequestMeta): Promise<SessionRecord> {
    const records = await this.stored(this.store.listByUser(userId));
    const target = records.find((r) => r.handle === handle);
    if (!target) throw new DomainError('not_found', 'There is no such session.');
    await this.end(target, 'ended_by_user', meta);
    return target;
  }

  /** Ends every session of the person but `keepId`. */
  async endOthers(userId: string, keepId: string | undefined, meta: RequestMeta): Promise<number> {
    const records = await this.stored(this.store.listByUser(userId));
    const others = records.filter((r) => r.id !== keepId);
    for (const r of others)
      await this.end(r, 'ended_by_user', meta, { othersRemain: keepId !== undefined });
    return others.length;
  }

  /** Ends every session of the person (eligibility withdrawn, the operator command). */
  async endAllForUser(userId: string, reason: EndReason, meta: RequestMeta): Promise<number> {
    const records = await this.stored(this.store.listByUser(userId));
    for (const r of records) await this.end(r, reason, meta, { othersRemain: false });
    return records.length;
  }

  /**
   * Ends a session: removed from the store (the step that makes it end everywhere; if the
   * store cannot be reached this rejects and nothing is reported done), dropped from this
   * process, and its refresh token revoked at Auth0. Returns false when there was none.
   */
  async end(
    ref: SessionRef,
    reason: EndReason,
    meta: RequestMeta,
    opts: { othersRemain?: boolean } = {},
  ): Promise<boolean> {
    const record = await this.stored(this.store.delete(ref));
    this.forget(ref.id);
    if (!record) return false;
    const othersRemain =
      opts.othersRemain ??
      (this.revocationDeletesGrant &&
        (await this.stored(this.store.listByUser(record.user.id))).length > 0);
    await this.revokeTokens(record, { othersRemain });
    this.metrics.sessionEnded(reason);
    this.audit.record(reason === 'logout' ? 'logged_out' : 'session_ended', meta, {
      sid: record.handle,
      userId: record.user.id,
      reason,
    });
    return true;
  }

  /** Ends the session a cookie value names, if its MAC verifies and it exists (logout). */
  async endByCookie(value: string, meta: RequestMeta): Promise<boolean> {
    const id = this.cookie.verify(value)?.id;
    if (!id) return false;
    const record = this.live.get(id)?.record ?? (await this.stored(this.store.get(id)));
    if (!record) {
      this.forget(id);
      return false;
    }
    return this.end(record, 'logout', meta);
  }

  private async endQuietly(live: LiveSession, reason: EndReason, meta: RequestMeta): Promise<void> {
    live.ended = true;
    try {
      await this.end(live.record, reason, meta);
    } catch {
      this.logger.warn({
        msg: 'could not remove an ended session; it expires on its own',
        sid: live.record.handle,
      });
    }
  }

  /** Drops a session from this process: requests still holding it are refused. */
  forget(id: string): void {
    const live = this.live.get(id);
    if (live) live.ended = true;
    this.live.delete(id);
  }

  /**
   * Revokes a record's refresh token at Auth0. With "Refresh Token Revocation Deletes Grant"
   * on, that would revoke the person's other sessions too, so while others remain it is left
   * to expire: it was only ever in the record just deleted.
   */
  private async revokeTokens(
    record: SessionRecord,
    { othersRemain }: { othersRemain: boolean },
  ): Promise<void> {
    const opened = this.ring.open(record.tokens, record.id);
    if (opened === undefined) return;
    let rt: string | undefined;
    try {
      rt = (JSON.parse(opened) as SessionTokens).rt;
    } catch {
      return;
    }
    if (!rt) return;
    if (this.revocationDeletesGrant && othersRemain) {
      this.logger.log({
        msg: 'refresh token left to expire: revoking it would end the other sessions (AUTH0_REVOCATION_DELETES_GRANT)',
        sid: record.handle,
      });
      return;
    }
    this.revokedLately.set(record.user.id, this.clock.now());
    await this.revokeQuietly(rt);
  }

  private async revokeQuietly(refreshToken: string): Promise<void> {
    try {
      await this.auth0.revoke(refreshToken);
    } catch {
      this.logger.warn({ msg: 'refresh token revocation failed; it will expire on its own' });
    }
  }

  /** A store call whose failure is a 503 for the client, never a 500 and never a silent success. */
  private async stored<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (err) {
      if (err instanceof DomainError) throw err;
      this.logger.error({
        msg: 'session store unavailable',
        error: err instanceof Error ? err.message : String(err),
      });
      throw new DomainError(
        'upstream_unavailable',
        'Sessions are temporarily unavailable. Try again shortly.',
        { retryAfterSeconds: 5 },
      );
    }
  }
}
