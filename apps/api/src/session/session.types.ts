import type { EligibilityRecord } from '../eligibility/eligibility.types.js';

export interface SessionUser {
  id: string;
  email: string;
  emailVerified: boolean;
  name?: string;
}

/**
 * A session as the store keeps it. Times are milliseconds since the epoch. The Auth0 tokens
 * are sealed (AES-256-GCM under the key ring, bound to the id); nothing else is secret.
 */
export interface SessionRecord {
  /** The session id: the random part of the cookie (the cookie adds a MAC). */
  id: string;
  /** A public handle for the sessions list and DELETE /api/sessions/:id; useless as a credential. */
  handle: string;
  user: SessionUser;
  eligibility: EligibilityRecord;
  /** When Salesforce last said this person is eligible. */
  eligibilityCheckedAt: number;
  /** `{ at, rt? }` sealed by KeyRing.seal with the id as context. */
  tokens: string;
  /** The access token's exp, so deciding to refresh needs no decryption. */
  accessTokenExpiresAt: number;
  createdAt: number;
  /** Written at most once a minute. */
  lastSeenAt: number;
  /** lastSeenAt + the idle lifetime, never past absoluteExpiresAt. */
  idleExpiresAt: number;
  absoluteExpiresAt: number;
  /** "Chrome on macOS", from the User-Agent at sign-in. */
  device: string;
}

/** What the sealed `tokens` field holds. */
export interface SessionTokens {
  at: string;
  rt?: string;
}

/** Why a session ended: audit events and (later) metrics labels. */
export type EndReason =
  | 'logout'
  | 'ended_by_user'
  | 'expired'
  | 'refresh_refused'
  | 'not_eligible'
  | 'evicted'
  | 'operator';
