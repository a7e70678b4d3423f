// What /api/me says. With the session cookie it is read from the session record; with a
// Bearer token, from what the guard's Salesforce gate learned of the token's subject (Auth0's
// /userinfo and Salesforce, re-checked on the session interval). No upstream call either way.
import { Injectable } from '@nestjs/common';
import type { MeResponse } from '@portcullis/shared';
import type { AuthUser } from '../auth/auth.types.js';
import { BearerGate } from '../auth/bearer-gate.js';
import { DomainError } from '../common/domain-error.js';
import { SessionService } from '../session/session.service.js';

@Injectable()
export class MeService {
  constructor(
    private readonly sessions: SessionService,
    private readonly gate: BearerGate,
  ) {}

  me(user: AuthUser): MeResponse {
    if (user.session) return this.sessions.me(user.session);
    const subject = this.gate.subject(user.id);
    if (!subject?.eligibility) throw new DomainError('unauthenticated', 'Sign in to continue.');
    const exp = new Date(Number(user.claims.exp) * 1000).toISOString();
    return {
      user: {
        id: user.id,
        email: subject.email,
        emailVerified: subject.emailVerified,
        ...(subject.name ? { name: subject.name } : {}),
      },
      eligibility: subject.eligibility,
      // A Bearer token has no session: it ends when the token does.
      session: { expiresAt: exp, absoluteExpiresAt: exp },
    };
  }
}
