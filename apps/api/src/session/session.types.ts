import type { EligibilityRecord } from '../eligibility/eligibility.types';

export interface SessionUser {
  id: string;
  email: string;
  emailVerified: boolean;
  name?: string;
}

/** What the encrypted session cookie holds. Times are milliseconds since the epoch. */
export interface SessionData {
  v: 1;
  /** Random session id, for logs and audit (not a secret). */
  sid: string;
  /** Auth0 access token (JWT for our audience). */
  at: string;
  /** Auth0 refresh token, when offline_access was granted. */
  rt?: string;
  user: SessionUser;
  elig: EligibilityRecord;
  /** Created. */
  iat: number;
  /** Idle expiry: renewed by each refresh, never past `abs`. */
  exp: number;
  /** Absolute expiry: fixed at sign-in. */
  abs: number;
}

/** The authenticated principal a guarded handler receives through @CurrentUser(). */
export interface AuthUser {
  /** Auth0 user id (`sub`). */
  id: string;
  /** Scopes granted to the access token. */
  scopes: string[];
  /** Verified access token claims. */
  claims: Record<string, unknown>;
  /** The browser session, when the request came with the session cookie (not a Bearer token). */
  session?: SessionData;
}
