// Sessions: created from Auth0's tokens at sign-in, refreshed with rotation-safe single
// flight and an eligibility re-check, ended with revocation at Auth0.
import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MeResponse } from '@portcullis/shared';
import { AuditService, type RequestMeta } from '../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { EligibilityService } from '../eligibility/eligibility.service';
import type { EligibilityRecord } from '../eligibility/eligibility.types';
import { Auth0Client, type Auth0Tokens } from '../auth0/auth0.client';
import { SessionCipher } from './session-cipher';
import type { SessionData, SessionUser } from './session.types';

export interface SealedSession {
  session: SessionData;
  sealed: string;
}

/**
 * How long the result of a refresh stays available to late requests that still carry the
 * old cookie (a second tab, a request that crossed the first one's response). Auth0 would
 * see their old refresh token as reuse and revoke the whole family.
 */
const REFRESH_GRACE_MS = 30_000;
const MAX_RECENT_REFRESHES = 10_000;

const hash = (token: string) => createHash('sha256').update(token).digest('base64url');

@Injectable()
export class SessionService {
  private readonly logger = new Logger('Session');
  private readonly cfg: AppConfig['session'];
  private readonly inFlight = new Map<string, Promise<SealedSession>>();
  private readonly recent = new Map<string, { result: SealedSession; until: number }>();
  private readonly meOf = new WeakMap<SessionData, MeResponse>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly auth0: Auth0Client,
    private readonly eligibility: EligibilityService,
    private readonly cipher: SessionCipher,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {
    this.cfg = config.session;
  }

  async create(
    email: string,
    tokens: Auth0Tokens,
    record: EligibilityRecord,
  ): Promise<SealedSession> {
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
    const abs = now + this.cfg.absoluteSeconds * 1000;
    const session: SessionData = {
      v: 1,
      sid: randomUUID(),
      at: tokens.accessToken,
      ...(tokens.refreshToken ? { rt: tokens.refreshToken } : {}),
      user,
      elig: record,
      iat: now,
      exp: Math.min(abs, now + this.cfg.idleSeconds * 1000),
      abs,
    };
    return { session, sealed: await this.cipher.seal(session) };
  }

  /**
   * Refreshes a session. Concurrent calls with the same refresh token share one upstream
   * refresh; calls shortly after get the same result. Throws session_expired,
   * not_eligible (after revoking at Auth0) or upstream_unavailable.
   */
  refresh(session: SessionData, meta: RequestMeta): Promise<SealedSession> {
    const now = this.clock.now();
    if (now >= session.abs) {
      return Promise.reject(
        new DomainError('session_expired', 'Your session has ended. Sign in again.'),
      );
    }
    if (!session.rt) {
      return Promise.reject(
        new DomainError('session_expired', 'Your session cannot be renewed. Sign in again.'),
      );
    }
    const key = hash(session.rt);
    const recent = this.recent.get(key);
    if (recent && recent.until > now) return Promise.resolve(recent.result);
    const running = this.inFlight.get(key);
    if (running) return running;
    const work = this.doRefresh(session, session.rt, meta)
      .then(
        (result) => {
          this.remember(key, result);
          this.audit.record('session_refreshed', meta, {
            sid: session.sid,
            userId: session.user.id,
          });
          return result;
        },
        (err: unknown) => {
          const code = err instanceof DomainError ? err.code : 'internal';
          if (code !== 'not_eligible')
            this.audit.record('refresh_failed', meta, { sid: session.sid, reason: code });
          throw err;
        },
      )
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, work);
    return work;
  }

  private remember(key: string, result: SealedSession): void {
    const now = this.clock.now();
    for (const [k, v] of this.recent) {
      if (v.until > now && this.recent.size < MAX_RECENT_REFRESHES) break;
      this.recent.delete(k);
    }
    this.recent.set(key, { result, until: now + REFRESH_GRACE_MS });
  }

  private async doRefresh(
    session: SessionData,
    refreshToken: string,
    meta: RequestMeta,
  ): Promise<SealedSession> {
    // Eligibility first, fresh from Salesforce: a revoked person must not get new tokens.
    const record = await this.eligibility.check(session.user.email, { fresh: true });
    if (!record) {
      await this.revokeQuietly(refreshToken);
      this.audit.record('eligibility_revoked', meta, {
        email: session.user.email,
        sid: session.sid,
        userId: session.user.id,
      });
      throw new DomainError('not_eligible', 'This account may no longer sign in.');
    }
    const tokens = await this.auth0.refresh(refreshToken, meta.ip);
    const now = this.clock.now();
    const next: SessionData = {
      ...session,
      at: tokens.accessToken,
      ...(tokens.refreshToken ? { rt: tokens.refreshToken } : {}),
      elig: record,
      exp: Math.min(session.abs, now + this.cfg.idleSeconds * 1000),
    };
    return { session: next, sealed: await this.cipher.seal(next) };
  }

  /** Ends a session at Auth0 (refresh token revoked). Never throws: logout always succeeds. */
  async end(session: SessionData | undefined, meta: RequestMeta): Promise<void> {
    if (!session) return;
    if (session.rt) await this.revokeQuietly(session.rt);
    this.audit.record('logged_out', meta, { sid: session.sid, userId: session.user.id });
  }

  private async revokeQuietly(refreshToken: string): Promise<void> {
    try {
      await this.auth0.revoke(refreshToken);
    } catch {
      this.logger.warn({ msg: 'refresh token revocation failed; it will expire on its own' });
    }
  }

  /** What /api/me says for a session; computed once per (cached) session object. */
  me(session: SessionData): MeResponse {
    let me = this.meOf.get(session);
    if (!me) {
      me = this.describe(session);
      this.meOf.set(session, me);
    }
    return me;
  }

  private describe(session: SessionData): MeResponse {
    return {
      user: session.user,
      eligibility: session.elig,
      session: {
        expiresAt: new Date(session.exp).toISOString(),
        absoluteExpiresAt: new Date(session.abs).toISOString(),
      },
    };
  }
}
