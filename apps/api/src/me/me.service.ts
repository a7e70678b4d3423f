// What /api/me says. With the session cookie it is read from the session record (no
// upstream call). With a Bearer token there is no session: the profile comes from Auth0's
// /userinfo and eligibility from Salesforce, both cached until the token expires.
import { Injectable } from '@nestjs/common';
import type { MeResponse } from '@portcullis/shared';
import { Auth0Client } from '../auth0/auth0.client';
import { LongKeyCache } from '../common/bounded-cache';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { EligibilityService } from '../eligibility/eligibility.service';
import { SessionService } from '../session/session.service';
import type { AuthUser } from '../auth/auth.types';

const MAX_PROFILES = 10_000;

@Injectable()
export class MeService {
  /** Keyed by the token, like the verified-token cache; an entry ends at the token's exp. */
  private readonly profiles = new LongKeyCache<{ me: MeResponse; until: number }>(MAX_PROFILES);

  constructor(
    private readonly sessions: SessionService,
    private readonly auth0: Auth0Client,
    private readonly eligibility: EligibilityService,
    private readonly clock: Clock,
  ) {}

  /** Synchronous when the answer is known (a session; a Bearer token seen before). */
  me(user: AuthUser, bearerToken: string | undefined): MeResponse | Promise<MeResponse> {
    if (user.session) return this.sessions.me(user.session);
    if (!bearerToken) throw new DomainError('unauthenticated', 'Sign in to continue.');
    const now = this.clock.now();
    const hit = this.profiles.get(bearerToken);
    if (hit && hit.until > now) return hit.me;
    return this.fromAuth0(user, bearerToken, now);
  }

  private async fromAuth0(user: AuthUser, bearerToken: string, now: number): Promise<MeResponse> {
    const info = await this.auth0.userInfo(bearerToken);
    const email = typeof info?.email === 'string' ? info.email.toLowerCase() : undefined;
    if (!info || info.sub !== user.id || !email) {
      throw new DomainError(
        'unauthenticated',
        'The token does not carry an email (request the email scope).',
      );
    }
    const record = await this.eligibility.check(email);
    if (!record) throw new DomainError('not_eligible', 'This account may no longer sign in.');
    const exp = typeof user.claims.exp === 'number' ? user.claims.exp * 1000 : now;
    const me: MeResponse = {
      user: {
        id: user.id,
        email,
        emailVerified: info.email_verified === true,
        ...(typeof info.name === 'string' && info.name !== email ? { name: info.name } : {}),
      },
      eligibility: record,
      session: {
        expiresAt: new Date(exp).toISOString(),
        absoluteExpiresAt: new Date(exp).toISOString(),
      },
    };
    this.profiles.set(bearerToken, { me, until: exp });
    return me;
  }
}
