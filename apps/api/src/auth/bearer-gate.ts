// The Salesforce gate for Bearer tokens (non-browser clients). A session is re-checked against
// Salesforce every ELIGIBILITY_RECHECK_SECONDS; a Bearer token gets the same: its subject's
// profile comes from Auth0's /userinfo (the access token carries no email) and its eligibility
// from Salesforce, both remembered per subject for that interval. A subject found ineligible
// is refused with 403 `not_eligible` on every guarded route, not only /api/me. The token needs
// the `openid email` scopes, or /userinfo has no email to check. Services (client-credentials
// tokens) never come here: they are no person Salesforce knows.
import { Inject, Injectable } from '@nestjs/common';
import { Auth0Client } from '../auth0/auth0.client.js';
import { BoundedCache } from '../common/bounded-cache.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EligibilityService } from '../eligibility/eligibility.service.js';
import type { EligibilityRecord } from '../eligibility/eligibility.types.js';

export interface BearerSubject {
  email: string;
  emailVerified: boolean;
  name?: string;
  /** null: Salesforce says this person may not sign in. */
  eligibility: EligibilityRecord | null;
  checkedAt: number;
}

const MAX_SUBJECTS = 10_000;

@Injectable()
export class BearerGate {
  private readonly subjects = new BoundedCache<string, BearerSubject>(MAX_SUBJECTS);
  private readonly checking = new Map<string, Promise<BearerSubject>>();
  private readonly recheckMs: number;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly auth0: Auth0Client,
    private readonly eligibility: EligibilityService,
    private readonly clock: Clock,
  ) {
    this.recheckMs = config.session.eligibilityRecheckSeconds * 1000;
  }

  /**
   * What is known of the token's subject once it may use the API: at once (no promise) when
   * it was checked within the interval, or within `maxAgeMs` when a route asks for fresher
   * (@FreshEligibility). Throws not_eligible, unauthenticated (no email in the profile) or
   * upstream_unavailable.
   */
  admit(
    userId: string,
    token: string,
    maxAgeMs?: number,
  ): EligibleSubject | Promise<EligibleSubject> {
    const known = this.subjects.get(userId);
    if (known) {
      const age = this.clock.now() - known.checkedAt;
      if (maxAgeMs === undefined ? age < this.recheckMs : age <= Math.min(maxAgeMs, this.recheckMs))
        return allow(known);
    }
    return this.check(userId, token).then(allow);
  }

  private check(userId: string, token: string): Promise<BearerSubject> {
    let running = this.checking.get(userId);
    if (!running) {
      running = this.lookUp(userId, token).finally(() => this.checking.delete(userId));
      this.checking.set(userId, running);
    }
    return running;
  }

  private async lookUp(userId: string, token: string): Promise<BearerSubject> {
    const info = await this.auth0.userInfo(token);
    const email = typeof info?.email === 'string' ? info.email.toLowerCase() : undefined;
    if (!info || info.sub !== userId || !email) {
      throw new DomainError(
        'unauthenticated',
        'The token does not carry an email (request the openid and email scopes).',
      );
    }
    const subject: BearerSubject = {
      email,
      emailVerified: info.email_verified === true,
      ...(typeof info.name === 'string' && info.name !== email ? { name: info.name } : {}),
      eligibility: await this.eligibility.check(email, { fresh: true }),
      checkedAt: this.clock.now(),
    };
    this.subjects.set(userId, subject);
    return subject;
  }
}

/** A subject Salesforce says may use the API. */
export type EligibleSubject = BearerSubject & { eligibility: EligibilityRecord };

function allow(subject: BearerSubject): EligibleSubject {
  if (!subject.eligibility) {
    throw new DomainError('not_eligible', 'This account may no longer sign in.');
  }
  return subject as EligibleSubject;
}
