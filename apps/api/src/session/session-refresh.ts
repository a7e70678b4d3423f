// Keeping a session's tokens and eligibility fresh: one refresh per session across every
// process (the store's lock; the others take the result from the store), the eligibility
// re-check that precedes it or runs on its own interval, and what a refusal by Auth0 or a
// withdrawal by Salesforce ends.
import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuditService, type RequestMeta } from '../audit/audit.service.js';
import { Auth0Client, type Auth0Tokens } from '../auth0/auth0.client.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EligibilityService } from '../eligibility/eligibility.service.js';
import { MetricsService, outcomeOf } from '../ops/metrics.service.js';
import {
  LiveSessions,
  ended,
  exclusive,
  refreshAt,
  tokenExpiry,
  type LiveSession,
} from './live-sessions.js';
import { SessionEnding } from './session-ending.js';
import { REDIS_COMMAND_TIMEOUT_MS } from '../shared-state/redis-connection.js';
import { SessionStore, type SessionChanges } from './session-store.js';
import type { SessionRecord, SessionTokens } from './session.types.js';

/** How often a process waiting for another's refresh looks at the store. */
const REFRESH_POLL_MS = 50;
/** Headroom for the event loop and the network on top of every step's own deadline. */
const LEASE_MARGIN_MS = 1_000;

/**
 * How long a session's refresh lock is leased: longer than every step of the refresh it
 * guards can take, each bounded by its own deadline (reading the record, Salesforce, writing
 * the eligibility, Auth0, the fenced write of the rotated tokens: two round trips). Derived
 * from the configured deadlines, so raising AUTH0_TIMEOUT_MS or SALESFORCE_TIMEOUT_MS
 * lengthens it too.
 */
export function refreshLeaseMs(config: Pick<AppConfig, 'auth0' | 'salesforce'>): number {
  return (
    config.salesforce.timeoutMs +
    config.auth0.timeoutMs +
    4 * REDIS_COMMAND_TIMEOUT_MS +
    LEASE_MARGIN_MS
  );
}

/**
 * Whether a lease taken at `takenAt` (monotonic ms) still outlives a call to Auth0 and the
 * fenced write after it, started at `now`: the refresh token is presented only then.
 */
export function leaseCovers(
  takenAt: number,
  now: number,
  config: Pick<AppConfig, 'auth0' | 'salesforce'>,
): boolean {
  const after = config.auth0.timeoutMs + 2 * REDIS_COMMAND_TIMEOUT_MS + LEASE_MARGIN_MS;
  return now - takenAt + after <= refreshLeaseMs(config);
}

const renewing = () =>
  new DomainError('upstream_unavailable', 'Your session is being renewed. Try again shortly.', {
    retryAfterSeconds: 2,
  });

@Injectable()
export class SessionRefresh {
  private readonly logger = new Logger('Session');
  private readonly leaseMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly live: LiveSessions,
    private readonly store: SessionStore,
    private readonly ending: SessionEnding,
    private readonly auth0: Auth0Client,
    private readonly eligibility: EligibilityService,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {
    this.leaseMs = refreshLeaseMs(config);
  }

  /**
   * Refreshes the session's tokens now (and re-checks eligibility first). Every request on
   * the session that arrives meanwhile waits for this one result; with `since`, a refresh
   * that completed after that time is taken as this one.
   */
  refresh(live: LiveSession, meta: RequestMeta, since?: number): Promise<LiveSession> {
    if (since !== undefined && live.refreshedAt >= since) return Promise.resolve(live);
    return exclusive(live, () => this.refreshTokens(live, meta));
  }

  /** Asks Salesforce again, as the session's one pending operation. */
  recheck(live: LiveSession, meta: RequestMeta): Promise<LiveSession> {
    return exclusive(live, async () => {
      await this.confirmEligibility(live, meta);
      return live;
    });
  }

  /** Asks Salesforce again; on a withdrawal every session of the person ends. */
  private async confirmEligibility(live: LiveSession, meta: RequestMeta): Promise<void> {
    const { user } = live.record;
    const record = await this.eligibility.check(user.email, { fresh: true });
    if (!record) {
      await this.ending.endAllForUser(user.id, 'not_eligible', meta);
      this.audit.record('eligibility_revoked', meta, { email: user.email, userId: user.id });
      throw new DomainError('not_eligible', 'This account may no longer sign in.');
    }
    await this.live.write(live, { eligibility: record, eligibilityCheckedAt: this.clock.now() });
  }

  private async refreshTokens(live: LiveSession, meta: RequestMeta): Promise<LiveSession> {
    if (live.ended) throw ended();
    // One refresh per session across every process: Auth0 would see a second use of the
    // same refresh token as reuse and revoke the whole family. The process holding the
    // lock refreshes; the others watch the store for its result, and take the lock
    // themselves if it is let go without one (that refresh failed). Waiting is bounded by
    // one lease; real time (not the session clock) measures it, as Redis measures the lease.
    const before = live.tokens;
    const waitUntil = performance.now() + this.leaseMs;
    for (;;) {
      const takenAt = performance.now();
      const release = await this.live.lock(live.record, this.leaseMs);
      if (release) {
        try {
          // Re-read after taking the lock: if another holder rotated the tokens meanwhile,
          // they are taken instead (this process's copy of the refresh token is spent).
          if (this.live.shared && (await this.tookOtherRefresh(live, before))) return live;
          return await this.refreshLocked(live, meta, takenAt);
        } finally {
          await release().catch(() => {
            // It expires on its own (the lease).
          });
        }
      }
      await new Promise((resolve) => setTimeout(resolve, REFRESH_POLL_MS));
      if (await this.tookOtherRefresh(live, before)) return live;
      if (performance.now() >= waitUntil) throw renewing();
    }
  }

  /** Whether another process stored new tokens since `before` (then they are taken). */
  private async tookOtherRefresh(live: LiveSession, before: SessionTokens): Promise<boolean> {
    const record = await this.live.reread(live);
    if (record.tokens === live.record.tokens) return false;
    const tokens = await this.live.openOrRefuse(record);
    // Sealed again under another key (not refreshed): the same tokens.
    const changed = tokens.rt !== before.rt || tokens.at !== before.at;
    this.live.adopt(live, record, tokens);
    // In the background: the refresh this may precede writes over whichever value is stored.
    void this.live.resealIfOld(live);
    if (changed) live.refreshedAt = this.clock.now();
    return changed;
  }

  /**
   * Writes rotated tokens only over the tokens the refresh started from (the fencing check);
   * a record merely sealed again under another key meanwhile is written over too. Returns the
   * record as stored: with other tokens when another holder's refresh got there first.
   */
  private async writeRotated(
    live: LiveSession,
    expected: string,
    usedRt: string,
    changes: SessionChanges,
  ): Promise<SessionRecord> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.live.stored(this.store.swapTokens(live.record, expected, changes));
      if (!result) {
        this.live.forget(live.record.id);
        throw ended();
      }
      if (result.written) {
        live.record = { ...live.record, ...changes };
        live.confirmedAt = this.clock.now();
        return result.record;
      }
      if (this.live.open(result.record)?.rt !== usedRt) return result.record;
      expected = result.record.tokens;
    }
    throw renewing();
  }

  private async refreshLocked(
    live: LiveSession,
    meta: RequestMeta,
    takenAt: number,
  ): Promise<LiveSession> {
    const { record } = live;
    await this.confirmEligibility(live, meta);
    const rt = live.tokens.rt;
    // The refresh token is presented only while the lease outlives the Auth0 call and the
    // write after it: a slow Salesforce (or store) before it means "try again", never a
    // second holder presenting the same token.
    if (rt && this.live.shared && !leaseCovers(takenAt, performance.now(), this.config)) {
      this.metrics.refresh('upstream_unavailable');
      throw renewing();
    }
    if (!rt) {
      // No refresh token ("Allow Offline Access" off): the session lasts as long as its token.
      if (this.clock.now() < record.accessTokenExpiresAt) return live;
      this.metrics.refresh('no_refresh_token');
      await this.ending.endQuietly(live, 'refresh_refused', meta);
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
        if (
          err.code === 'session_expired' &&
          this.ending.revokedSince(record.user.id, record.createdAt)
        ) {
          this.logger.warn({
            msg:
              'Auth0 refused a refresh token shortly after another session of the same person ended: ' +
              'the tenant probably has "Refresh Token Revocation Deletes Grant" on. Turn it off, or set ' +
              'AUTH0_REVOCATION_DELETES_GRANT=true.',
            sid: record.handle,
          });
        }
        await this.ending.endQuietly(live, 'refresh_refused', meta);
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
      tokens: this.live.seal(record.id, next),
      accessTokenExpiresAt: tokenExpiry(tokens.accessToken, tokens.expiresIn, now),
    };
    let stored: SessionRecord;
    try {
      stored = await this.writeRotated(live, live.record.tokens, rt, changes);
    } catch (err) {
      // Ended meanwhile (or the store failed, and the fence keeps the write from landing
      // later): the new refresh token must not outlive it.
      if (tokens.refreshToken) await this.ending.revokeQuietly(tokens.refreshToken);
      throw err;
    }
    if (stored.tokens !== changes.tokens) {
      // Another holder refreshed with the same token meanwhile (its lease must have run out):
      // its tokens are the record's, ours are dropped without revoking (that would revoke
      // the family both belong to).
      this.logger.warn({
        msg: 'another process refreshed this session during our refresh; its tokens kept',
        sid: record.handle,
      });
      this.live.adopt(live, stored, await this.live.openOrRefuse(stored));
      void this.live.resealIfOld(live);
      live.refreshedAt = now;
      this.metrics.refresh('ok');
      return live;
    }
    live.tokens = next;
    live.refreshAt = refreshAt(live.record.accessTokenExpiresAt, now);
    live.refreshedAt = now;
    live.principal = undefined;
    this.metrics.refresh('ok');
    this.audit.record('session_refreshed', meta, { sid: record.handle, userId: record.user.id });
    return live;
  }
}
