// Who is calling: the one principal the global guard builds for every request on a guarded
// route, and the only thing a handler learns about its caller (`@CurrentPrincipal()`).
// A person comes from a session cookie or from a person's Bearer token; a service from a
// client-credentials token of an application listed in API_SERVICE_CLIENTS. No principal
// carries a token, a cookie or anything that leads to one: the session's tokens stay in
// the session module, a Bearer token stays on the request.
import type { EligibilityRecord } from '../eligibility/eligibility.types.js';
import type { LiveSession } from '../session/live-sessions.js';

/** What a handler may know of the session a person called with. Times are epoch ms. */
export interface SessionView {
  /** The session's public handle (as in GET /api/sessions); never the cookie's id. */
  readonly id: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  /** When the session ends if unused (idle expiry). */
  readonly expiresAt: number;
  /** When the session ends whatever happens. */
  readonly absoluteExpiresAt: number;
  /** "Chrome on macOS", from the User-Agent at sign-in. */
  readonly device: string;
}

/** A person: signed in with a code by email, eligible in Salesforce. */
export interface PersonPrincipal {
  readonly kind: 'person';
  /** Auth0 user id (`sub`). */
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name?: string;
  /** The person's record in Salesforce (its id and the configured fields). */
  readonly eligibility: Readonly<EligibilityRecord>;
  /** When Salesforce last said this person is eligible (epoch ms). */
  readonly eligibilityCheckedAt: number;
  /**
   * When the person last proved their mailbox with a code (epoch ms): the session's sign-in,
   * or a Bearer token's `auth_time`. Undefined when not known (a token without `auth_time`).
   */
  readonly signedInAt: number | undefined;
  /** When this credential stops working: the session's idle expiry, or the token's `exp`. */
  readonly expiresAt: number;
  /** With a session cookie: the session. Absent for a Bearer token. */
  readonly session?: SessionView;
}

/** Another application, calling with a client-credentials token (no person involved). */
export interface ServicePrincipal {
  readonly kind: 'service';
  /** The Auth0 client id of the application (`azp` or `client_id`). */
  readonly clientId: string;
  /** What the token grants: `scope` (space-separated) and Auth0 RBAC `permissions`. */
  readonly scopes: readonly string[];
}

export type Principal = PersonPrincipal | ServicePrincipal;

/**
 * The person of a session: a read-only view over the live session, built once per verified
 * session (the guard keeps it with the session), so a request on a known session allocates
 * nothing. Its values follow the session (last-seen, eligibility re-checks).
 */
export function sessionPerson(live: LiveSession): PersonPrincipal {
  const session: SessionView = Object.freeze({
    get id() {
      return live.record.handle;
    },
    get createdAt() {
      return live.record.createdAt;
    },
    get lastSeenAt() {
      return live.record.lastSeenAt;
    },
    get expiresAt() {
      return live.record.idleExpiresAt;
    },
    get absoluteExpiresAt() {
      return live.record.absoluteExpiresAt;
    },
    get device() {
      return live.record.device;
    },
  });
  return Object.freeze({
    kind: 'person' as const,
    get id() {
      return live.record.user.id;
    },
    get email() {
      return live.record.user.email;
    },
    get emailVerified() {
      return live.record.user.emailVerified;
    },
    get name() {
      return live.record.user.name;
    },
    get eligibility() {
      return live.record.eligibility;
    },
    get eligibilityCheckedAt() {
      return live.record.eligibilityCheckedAt;
    },
    // A session is created by a sign-in with a code, and only by one.
    get signedInAt() {
      return live.record.createdAt;
    },
    get expiresAt() {
      return live.record.idleExpiresAt;
    },
    session,
  });
}
