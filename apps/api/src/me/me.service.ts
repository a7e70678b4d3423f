// What /api/me says. With the session cookie it is read from the session itself (no
// upstream call). With a Bearer token there is no session: the profile comes from Auth0's
// /userinfo and eligibility from Salesforce, both cached until the token expires.
import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { MeResponse } from '@portcullis/shared';
import { Auth0Client } from '../auth0/auth0.client';
import { BoundedCache } from '../common/bounded-cache';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { EligibilityService } from '../eligibility/eligibility.service';
import { SessionService } from '../session/session.service';
import type { AuthUser } from '../session/session.types';

const MAX_PROFILES = 10_000;

@Injectable()
export class MeService {
  private readonly profiles = new BoundedCache<string, { me: MeResponse; until: number }>(
    MAX_PROFILES,
  );

  constructor(
    private readonly sessions: SessionService,
    private readonly auth0: Auth0Client,
    private readonly eligibility: EligibilityService,
    private readonly clock: Clock,
  ) {}

  async me(user: AuthUser, bearerToken: string | undefined): Promise<MeResponse> {
    if (user.session) return this.sessions.me(user.session);
    if (!bearerToken) throw new DomainError('unauthenticated', 'Sign in to continue.');
    const now = this.clock.now();
    const key = createHash('sha256').update(bearerToken).digest('base64url');
    const hit = this.profiles.get(key);
    if (hit && hit.until > now) return hit.me;

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
    this.profiles.set(key, { me, until: exp });
    return me;
  }
}
