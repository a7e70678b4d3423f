// How sessions end: by logout, by the person from another session, by expiry, by Auth0
// refusing a refresh, by Salesforce withdrawing eligibility, or by an operator. Removing the
// record from the store is what ends a session everywhere; then this process forgets it, and
// its refresh token is revoked at Auth0 (unless that would take the person's other sessions
// with it: "Refresh Token Revocation Deletes Grant").
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
import { SessionCookie } from './session-cookie.js';
import { SessionStore, type SessionRef } from './session-store.js';
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

  /** Ends every session of the person but `keepId`. */
  async endOthers(userId: string, keepId: string | undefined, meta: RequestMeta): Promise<number> {
    const records = await this.live.stored(this.store.listByUser(userId));
    const others = records.filter((r) => r.id !== keepId);
    for (const r of others)
      await this.end(r, 'ended_by_user', meta, { othersRemain: keepId !== undefined });
    return others.length;
  }

  /** Ends every session of the person (eligibility withdrawn, the operator command). */
  async endAllForUser(userId: string, reason: EndReason, meta: RequestMeta): Promise<number> {
    const records = await this.live.stored(this.store.listByUser(userId));
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
    const record = await this.live.stored(this.store.delete(ref));
    this.live.forget(ref.id);
    if (!record) return false;
    const othersRemain =
      opts.othersRemain ??
      (this.revocationDeletesGrant &&
        (await this.live.stored(this.store.listByUser(record.user.id))).length > 0);
    await this.revokeTokens(record, { othersRemain });
    this.metrics.sessionEnded(reason);
    this.audit.record(reason === 'logout' ? 'logged_out' : 'session_ended', meta, {
      sid: record.handle,
      userId: record.user.id,
      reason,
    });
    return true;
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

  /**
   * Revokes a record's refresh token at Auth0. With "Refresh Token Revocation Deletes Grant"
   * on, that would revoke the person's other sessions too, so while others remain it is left
   * to expire: it was only ever in the record just deleted.
   */
  async revokeTokens(
    record: SessionRecord,
    { othersRemain }: { othersRemain: boolean },
  ): Promise<void> {
    const tokens = this.live.open(record);
    if (!tokens && this.ring.sealedBy(record.tokens) === 'unknown') {
      this.logger.warn({
        msg:
          'refresh token not revoked: the ended record is sealed under a secret that is not in ' +
          'SESSION_SECRETS (it expires at Auth0 on its own)',
        sid: record.handle,
      });
    }
    const rt = tokens?.rt;
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

  async revokeQuietly(refreshToken: string): Promise<void> {
    try {
      await this.auth0.revoke(refreshToken);
    } catch {
      this.logger.warn({ msg: 'refresh token revocation failed; it will expire on its own' });
    }
  }
}
