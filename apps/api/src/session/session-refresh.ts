// Keeping a session's tokens and eligibility fresh: one refresh per session across every
// process (the store's lock; the others take the result from the store), the eligibility
// re-check that precedes it or runs on its own interval, and what a refusal by Auth0 or a
// withdrawal by Salesforce ends.
import { Injectable, Logger, Optional } from '@nestjs/common';
import { AuditService, type RequestMeta } from '../audit/audit.service.js';
import { Auth0Client, type Auth0Tokens } from '../auth0/auth0.client.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
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
import type { SessionChanges } from './session-store.js';
import type { SessionTokens } from './session.types.js';

/** How long one process may hold a session's refresh lock; others wait at most this long. */
const REFRESH_LOCK_MS = 10_000;
const REFRESH_POLL_MS = 50;

@Injectable()
export class SessionRefresh {
  private readonly logger = new Logger('Session');

  constructor(
    private readonly live: LiveSessions,
    private readonly ending: SessionEnding,
    private readonly auth0: Auth0Client,
    private readonly eligibility: EligibilityService,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {}

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
    // themselves if it is let go without one (that refresh failed).
    const before = live.record.tokens;
    const deadline = this.clock.now() + REFRESH_LOCK_MS;
    for (;;) {
      const release = await this.live.lock(live.record, REFRESH_LOCK_MS);
      if (release) {
        try {
          if (this.live.shared && (await this.tookOtherRefresh(live, before))) return live;
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
    const record = await this.live.reread(live);
    if (record.tokens === before) return false;
    this.live.adopt(live, record, await this.live.openOrEnd(record));
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
    try {
      await this.live.write(live, changes);
    } catch (err) {
      // Ended meanwhile (or the store failed): the new refresh token must not outlive it.
      if (tokens.refreshToken) await this.ending.revokeQuietly(tokens.refreshToken);
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
}
