// Verifies Auth0 access tokens with passport-jwt, as it is meant to be used: its own verifier
// (jsonwebtoken) with RS256 only, iss, aud, exp and nbf checked with a small clock tolerance,
// and the key for the token's kid from `secretOrKeyProvider` (Auth0's JWKS through jwks-rsa,
// each key parsed once: see JwksKeyStore). azp is checked here, and decides whose token it is:
// a person's (our application) or a service's (API_SERVICE_CLIENTS). The token is the session's
// stored access token (put on the request by AuthGuard) or an `Authorization: Bearer` header.
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { SigningKeyNotFoundError } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import type { AuthRequest, TokenSubject } from './auth.types.js';
import { TokenVerifier } from './token-verifier.js';
import { tokenKid } from './verified-token-cache.js';

export const CLOCK_TOLERANCE_SECONDS = 5;

const fromBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

export function extractToken(req: AuthRequest): string | null {
  if (req.portcullisSession) return req.portcullisSession.tokens.at;
  return fromBearer(req);
}

/**
 * The Bearer token to look up in the verified-token cache: for the usual `Bearer <token>`,
 * the rest of the header, without passport-jwt's regex over it. Only a lookup key: a hit is a
 * string equal to a token that verified, which has no whitespace, so passport-jwt would have
 * extracted exactly it; any other header misses and goes through `extractToken`.
 */
export function bearerForCache(req: AuthRequest): string | null {
  const header = req.headers.authorization;
  if (header !== undefined && header.startsWith('Bearer ')) return header.slice(7);
  return fromBearer(req);
}

/** Whose tokens this API takes: our own application's (people) and the listed services. */
export interface TokenClients {
  /** AUTH0_CLIENT_ID: tokens issued to it are people's. */
  clientId: string;
  /** API_SERVICE_CLIENTS: client-credentials tokens issued to these are services'. */
  serviceClients: ReadonlySet<string>;
}

export const tokenClients = (config: AppConfig): TokenClients => ({
  clientId: config.auth0.clientId,
  serviceClients: config.auth0.serviceClients,
});

/** A token's grants: `scope` (space-separated) and Auth0 RBAC `permissions`, without repeats. */
export function grantedScopes(payload: Record<string, unknown>): string[] {
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  const permissions = Array.isArray(payload.permissions) ? payload.permissions : [];
  for (const p of permissions) if (typeof p === 'string') scopes.push(p);
  return [...new Set(scopes.filter(Boolean))];
}

/**
 * Who verified claims speak for. Shared by the full verification path and the
 * verified-token cache, so both apply the same checks.
 */
export function toTokenSubject(
  req: AuthRequest,
  payload: Record<string, unknown>,
  clients: TokenClients,
): TokenSubject {
  // The token must name the application it was issued to, and that must be ours or a listed
  // service, not another client of the same API: `azp` in Auth0's default access-token
  // profile, `client_id` in its RFC 9068 profile
  // (https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles; RFC 9068 §2.2).
  // Neither is a token we cannot place; both, disagreeing, is a forgery.
  const { azp, client_id: rfc9068Client } = payload;
  const issuedTo = azp ?? rfc9068Client;
  if (
    typeof issuedTo !== 'string' ||
    (azp !== undefined && rfc9068Client !== undefined && azp !== rfc9068Client)
  ) {
    throw new DomainError('unauthenticated', 'The token does not name its application.');
  }
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
    throw new DomainError('unauthenticated', 'The token has no subject.');
  }
  const session = req.portcullisSession;
  if (issuedTo !== clients.clientId) {
    if (!clients.serviceClients.has(issuedTo) || session) {
      throw new DomainError('unauthenticated', 'The token was issued to another application.');
    }
    // A service is the application itself: Auth0 names it `<client id>@clients` in the
    // client-credentials grant (https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow).
    // A person's token from a listed application is neither ours nor a service's.
    if (payload.sub !== `${issuedTo}@clients`) {
      throw new DomainError(
        'unauthenticated',
        "A service's token must be its own (the client-credentials grant).",
      );
    }
    return Object.freeze({
      kind: 'service' as const,
      clientId: issuedTo,
      scopes: Object.freeze(grantedScopes(payload)),
    });
  }
  if (session && session.record.user.id !== payload.sub) {
    throw new DomainError('unauthenticated', 'The session does not match its token.');
  }
  return {
    kind: 'person',
    id: payload.sub,
    expiresAt: Number(payload.exp) * 1000,
    authTime: typeof payload.auth_time === 'number' ? payload.auth_time * 1000 : undefined,
  };
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly clients: TokenClients;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly verifier: TokenVerifier,
    private readonly clock: Clock,
  ) {
    super({
      jwtFromRequest: extractToken,
      secretOrKeyProvider: (
        req: AuthRequest,
        rawJwt: string,
        done: (err: unknown, key?: string | Buffer) => void,
      ) => {
        const kid = tokenKid(rawJwt);
        if (!kid) {
          done(new SigningKeyNotFoundError('The token names no signing key'));
          return;
        }
        req.portcullisKid = kid;
        verifier.keys.key(kid).then(
          // jsonwebtoken takes a KeyObject too; the types only name strings and Buffers.
          (key) => done(null, key as unknown as Buffer),
          (err: unknown) => done(err),
        );
      },
      issuer: config.auth0.issuer,
      audience: config.auth0.audience,
      algorithms: ['RS256'],
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
      passReqToCallback: true,
    });
    this.clients = tokenClients(config);
  }

  validate(req: AuthRequest, payload: Record<string, unknown>): TokenSubject {
    // Stricter than jsonwebtoken: a token without exp never verifies (Auth0's always have one).
    if (typeof payload.exp !== 'number') {
      throw new DomainError('unauthenticated', 'The token has no expiry.');
    }
    const user = toTokenSubject(req, payload, this.clients);
    const kid = req.portcullisKid;
    if (!req.portcullisSession && kid) {
      const token = extractToken(req);
      if (token) this.verifier.verified.set(token, kid, payload, this.clock.now());
    }
    return user;
  }
}
