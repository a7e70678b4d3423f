// What /api/me says: the person the guard found, whatever the credential (a session cookie,
// or a Bearer token whose subject passed the Salesforce gate). No upstream call.
import { Injectable } from '@nestjs/common';
import type { MeResponse } from '@portcullis/shared';
import type { PersonPrincipal } from '../auth/principal.js';

@Injectable()
export class MeService {
  me(person: PersonPrincipal): MeResponse {
    const iso = (ms: number) => new Date(ms).toISOString();
    return {
      user: {
        id: person.id,
        email: person.email,
        emailVerified: person.emailVerified,
        ...(person.name !== undefined ? { name: person.name } : {}),
      },
      eligibility: person.eligibility,
      // A Bearer token has no session: it ends when the token does.
      session: {
        expiresAt: iso(person.expiresAt),
        absoluteExpiresAt: iso(person.session?.absoluteExpiresAt ?? person.expiresAt),
      },
    };
  }
}
