import type { FastifyRequest } from 'fastify';
import type { LiveSession } from '../session/session.service.js';
import type { Principal, ServicePrincipal } from './principal.js';

/**
 * What a verified access token says about its bearer, before the guard turns it into a
 * principal: a person (our application's token: the Salesforce gate or the session comes
 * next) or a service (a listed application's client-credentials token: nothing comes next).
 */
export type TokenSubject = TokenPerson | ServicePrincipal;

export interface TokenPerson {
  readonly kind: 'person';
  /** Auth0 user id (`sub`). */
  readonly id: string;
  /** The token's `exp`, in epoch ms. */
  readonly expiresAt: number;
  /** The token's `auth_time` (when the person last signed in), in epoch ms, if it has one. */
  readonly authTime: number | undefined;
}

export type AuthRequest = FastifyRequest & {
  /** The session whose stored access token passport-jwt verifies (set by AuthGuard). */
  portcullisSession?: LiveSession;
  /** What passport-jwt verified (set by @nestjs/passport); the guard reads it. */
  user?: TokenSubject;
  /** The caller, for @CurrentPrincipal() (set by AuthGuard). */
  principal?: Principal;
  /** The kid of the token being verified (set by the key provider, read by validate). */
  portcullisKid?: string;
};
