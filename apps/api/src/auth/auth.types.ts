import type { FastifyRequest } from 'fastify';
import type { LiveSession } from '../session/session.service.js';

/** The authenticated principal a guarded handler receives through @CurrentUser(). */
export interface AuthUser {
  /** Auth0 user id (`sub`). */
  id: string;
  /** Scopes granted to the access token. */
  scopes: string[];
  /** Verified access token claims. */
  claims: Record<string, unknown>;
  /** The browser session, when the request came with the session cookie (not a Bearer token). */
  session?: LiveSession;
}

export type AuthRequest = FastifyRequest & {
  /** The session whose stored access token passport-jwt verifies (set by AuthGuard). */
  portcullisSession?: LiveSession;
  user?: AuthUser;
  /** The kid of the token being verified (set by the key provider, read by validate). */
  portcullisKid?: string;
};
