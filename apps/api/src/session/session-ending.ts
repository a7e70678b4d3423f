// How sessions end: by logout, by the person from another session, by expiry, by Auth0
// refusing a refresh, by Salesforce withdrawing eligibility, by an operator, or by eviction
// past the per-person cap at sign-in. Removing the record from the store is what ends a session
// everywhere, and the same atomic store step queues its refresh token for revocation at Auth0
// (unless that would take the person's other sessions with it: "Refresh Token Revocation
// Deletes Grant"). Either both happen or neither (the store rejects: a 503, and the session
// still works). Then this process forgets it and tries Auth0 at once; a token Auth0 does not
// take stays queued and the RevocationQueue retries it until it does.
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { AuditService, type RequestMeta } from '../audit/audit.service.js';
import { Auth0Client } from '../auth0/auth0.client.js';
import { BoundedCache } from '../common/bounded-cache.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { MetricsService } from '../ops/metrics.service.js';
import { KeyRing } from './key-ring.js';
import { LiveSessions, NotOursToEnd, type LiveSession } from './live-sessions.js';
import { RevocationQueue } from './revocation-queue.js';
import { SessionCookie } from './session-cookie.js';
import { SessionStore, type Deleted, type RevokeMode } from './session-store.js';
import type { EndReason, SessionRecord } from './session.types.js';

@Injectable()
export class SessionEnding {
  private readonly logger = new Logger('Session');
  private readonly revocationDeletesGrant: boolean;
  /** When this process last revoked a refresh token of a person (see revokedSince). */
  private readonly revokedLately = new BoundedCache<string, number>(10_000);

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly store: SessionStore,
    private readonly live: LiveSessions,
    private readonly cookie: SessionCookie,
    private readonly ring: KeyRing,
    private readonly auth0: Auth0Client,
    private readonly queue: RevocationQueue,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {
    this.revocationDeletesGrant = config.auth0.revocationDeletesGrant;
  }

  /** Whether this process revoked a refresh token of the person at or after `time`. */
  revokedSince(userId: string, time: number): boolean {
    const revokedAt = this.revokedLately.get(userId);
    return revokedAt !== undefined && revokedAt >= time;
  }

  /** Ends one of the person's sessions by its public handle; not_found for anyone else's. */
  async endByHandle(userId: string, handle: string, meta: RequestMeta): Promise<SessionRecord> {
    const records = await this.live.stored(this.store.listByUser(userId));
    const target = records.find((r) => r.handle === handle);
    if (!target) throw new DomainError('not_found', 'There is no such session.');
    await this.end(target, 'ended_by_user', meta);
    return target;
  }

  /** Ends every session of the person but the one whose public handle is `keepHandle`. */
  async endOthers(
    userId: string,
    keepHandle: string | undefined,
    meta: RequestMeta,
  ): Promise<number> {
    const records = await this.live.stored(this.store.listByUser(userId));
    const others = records.filter((r) => r.handle !== keepHandle);
    return this.endMany(others, 'ended_by_user', meta, { othersRemain: keepHandle !== undefined });
  }

  /** Ends every session of the person (eligibility withdrawn, the operator command). */
  async endAllForUser(userId: string, reason: EndReason, meta: RequestMeta): Promise<number> {
    const records = await this.live.stored(this.store.listByUser(userId));
    return this.endMany(records, reason, meta, { othersRemain: false });
  }

  /**
   * Ends the sessions past the per-person cap that a sign-in returned. The sign-in has
   * succeeded whatever happens here: one that cannot be ended now (the store failed) stays
   * until it expires or the next sign-in ends it.
   */
  async endEvicted(records: SessionRecord[], meta: RequestMeta): Promise<void> {
    try {
      await this.endMany(records, 'evicted', meta, { othersRemain: true });
    } catch {
      this.logger.warn({
        msg: 'could not end the sessions past the per-person cap; the next sign-in tries again',
      });
    }
  }

  /**
   * Ends a session: removed from the store with its refresh token queued for revocation, in
   * one atomic step (the step that makes it end everywhere; if the store cannot be reached
   * this rejects and nothing changed), dropped from this process, and the token tried at
   * Auth0 at once (left queued for the worker if Auth0 does not take it). Returns false when
   * there was none.
   */
  async end(
    record: SessionRecord,
    reason: EndReason,
    meta: RequestMeta,
    opts: { othersRemain?: boolean } = {},
  ): Promise<boolean> {
    return (await this.endMany([record], reason, meta, opts)) === 1;
  }

  /**
   * Ends records one atomic step each, then tries their revocations at Auth0 together (one
   * Auth0 deadline, not one per session). If the store fails midway, the ones already ended
   * are finished (their revocations are queued) and the failure is the answer.
   */
  private async endMany(
    records: SessionRecord[],
    reason: EndReason,
    meta: RequestMeta,
    opts: { othersRemain?: boolean },
  ): Promise<number> {
    const done: Deleted[] = [];
    let failure: Error | undefined;
    for (const record of records) {
      try {
        const deleted = await this.remove(record, opts);
        if (deleted) done.push(deleted);
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
        break;
      }
    }
    await Promise.all(
      done.map(async ({ record, revocation }) => {
        if (revocation) await this.queue.attempt(revocation);
        this.metrics.sessionEnded(reason);
        this.audit.record(reason === 'logout' ? 'logged_out' : 'session_ended', meta, {
          sid: record.handle,
          userId: record.user.id,
          reason,
        });
      }),
    );
    if (failure !== undefined) throw failure;
    return done.length;
  }

  /** The atomic step: the record removed and its revocation queued, or neither (rejects). */
  private async remove(
    record: SessionRecord,
    { othersRemain }: { othersRemain?: boolean },
  ): Promise<Deleted | undefined> {
    // A session without a refresh token ("Allow Offline Access" off) has nothing to revoke;
    // tokens this ring cannot open are queued all the same (another instance's ring may).
    const tokens = this.live.open(record);
    const revoke: RevokeMode =
      tokens && !tokens.rt
        ? 'never'
        : !this.revocationDeletesGrant
          ? 'always'
          : othersRemain === undefined
            ? 'if_last'
            : othersRemain
              ? 'never'
              : 'always';
    const deleted = await this.live.stored(
      this.store.delete(record, { revoke, leaseMs: this.queue.leaseMs }),
    );
    this.live.forget(record.id);
    if (!deleted) return undefined;
    if (deleted.revocation) this.revokedLately.set(record.user.id, this.clock.now());
    else if (tokens?.rt) {
      this.metrics.revocation('left_to_expire');
      this.logger.log({
        msg: 'refresh token left to expire: revoking it would end the other sessions (AUTH0_REVOCATION_DELETES_GRANT)',
        sid: record.handle,
      });
    }
    return deleted;
  }

  /**
   * Ends the session a cookie value names, if its MAC verifies and it exists (logout). A cookie
   * or record made under a secret this instance does not hold may name a live session that
   * another instance can end (and whose refresh token only it can revoke): that is a 503, with
   * nothing ended and nothing reported done, never a 204 for a logout that did not happen.
   */
  async endByCookie(value: string, meta: RequestMeta): Promise<boolean> {
    const id = this.cookie.verify(value)?.id;
    if (!id) {
      // A well-shaped cookie no secret of the ring verifies: forged (no such session: 204), or
      // MACed under a secret another instance holds (one store read tells which).
      const named = await this.live.stored(this.store.get(value.slice(0, 22)));
      if (named) throw this.cannotEndHere('cookie', named);
      return false;
    }
    const record = this.live.get(id)?.record ?? (await this.live.stored(this.store.get(id)));
    if (!record) {
      this.live.forget(id);
      return false;
    }
    if (this.live.open(record) === undefined && this.ring.sealedBy(record.tokens) === 'unknown')
      throw this.cannotEndHere('record', record);
    return this.end(record, 'logout', meta);
  }

  private cannotEndHere(kind: 'cookie' | 'record', record: SessionRecord): DomainError {
    this.metrics.keyMiss(kind);
    this.logger.warn({
      msg:
        `logout refused with 503: the session's ${kind} was made under a secret that is not in ` +
        'SESSION_SECRETS (another instance may hold it; is a rotation under way?)',
      sid: record.handle,
    });
    return new NotOursToEnd(
      'upstream_unavailable',
      'Signing out is not possible on this server right now. Try again shortly.',
      { retryAfterSeconds: 2 },
    );
  }

  /** Ends a live session; a store that cannot be reached leaves it to expire on its own. */
  async endQuietly(live: LiveSession, reason: EndReason, meta: RequestMeta): Promise<void> {
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

  async revokeQuietly(refreshToken: string): Promise<void> {
    try {
      await this.auth0.revoke(refreshToken);
    } catch {
      this.logger.warn({ msg: 'refresh token revocation failed; it will expire on its own' });
    }
  }
}
