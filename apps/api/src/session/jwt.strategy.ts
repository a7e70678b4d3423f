// Verifies Auth0 access tokens: passport-jwt with keys from Auth0's JWKS through jwks-rsa.
// RS256 only; iss, aud, exp and nbf checked by jsonwebtoken with a small clock tolerance;
// azp checked here. The token comes from the decrypted session cookie (put on the request by
// AuthGuard) or an `Authorization: Bearer` header. Keys are handed over as KeyObjects parsed
// once per kid (TokenVerifier), and every verified token is remembered until its exp.
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { SigningKeyNotFoundError } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { KeyObject } from 'node:crypto';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { AuthUser, SessionData } from './session.types';
import { TokenVerifier } from './token-verifier';
import { verifyRs256 } from './rs256-verifier';
import { tokenKid } from './verified-token-cache';

export const CLOCK_TOLERANCE_SECONDS = 5;

type JwtVerifier = (
  token: string,
  key: unknown,
  options: unknown,
  callback: (err: Error | null, claims?: Record<string, unknown>) => void,
) => void;

export type RequestWithSession = FastifyRequest & {
  portcullisSession?: SessionData;
  user?: AuthUser;
  /** The kid of the token being verified (set by the key provider, read by validate). */
  portcullisKid?: string;
};

const fromBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

export function extractToken(req: RequestWithSession): string | null {
  if (req.portcullisSession) return req.portcullisSession.at;
  return fromBearer(req);
}

/**
 * The token to look up in the verified-token cache: for the usual `Bearer <token>`, the rest
 * of the header, without passport-jwt's regex over it. Only a lookup key: a hit is a string
 * equal to a token that verified, which has no whitespace, so passport-jwt would have
 * extracted exactly it; any other header misses and goes through `extractToken`.
 */
export function tokenForCache(req: RequestWithSession): string | null {
  if (req.portcullisSession) return req.portcullisSession.at;
  const header = req.headers.authorization;
  if (header !== undefined && header.startsWith('Bearer ')) return header.slice(7);
  return fromBearer(req);
}

/**
 * The principal for verified claims. Shared by the full verification path and the
 * verified-token cache, so both apply the same checks.
 */
export function toPrincipal(
  req: RequestWithSession,
  payload: Record<string, unknown>,
  clientId: string,
): AuthUser {
  // azp: the token was issued to our application, not to another client of the same API.
  if (payload.azp !== undefined && payload.azp !== clientId) {
    throw new DomainError('unauthenticated', 'The token was issued to another application.');
  }
  if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
    throw new DomainError('unauthenticated', 'The token has no subject.');
  }
  const session = req.portcullisSession;
  if (session && session.user.id !== payload.sub) {
    throw new DomainError('unauthenticated', 'The session does not match its token.');
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
  return { id: payload.sub, scopes, claims: payload, ...(session ? { session } : {}) };
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly clientId: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly verifier: TokenVerifier,
    private readonly clock: Clock,
  ) {
    super({
      jwtFromRequest: extractToken as never,
      secretOrKeyProvider: (
        req: RequestWithSession,
        rawJwt: string,
        done: (err: unknown, key?: unknown) => void,
      ) => {
        const kid = tokenKid(rawJwt);
        if (!kid) {
          done(new SigningKeyNotFoundError('The token names no signing key'));
          return;
        }
        req.portcullisKid = kid;
        verifier.keys.key(kid).then(
          (key) => done(null, key),
          (err: unknown) => done(err),
        );
      },
      issuer: config.auth0.issuer,
      audience: config.auth0.audience,
      algorithms: ['RS256'],
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
      passReqToCallback: true,
    } as never);
    this.clientId = config.auth0.clientId;
    // passport-jwt verifies through its replaceable static `JwtVerifier` (jsonwebtoken by
    // default); ours checks the same claims on the KeyObject with one-shot crypto.verify,
    // against the injected clock — one notion of "now" for verification and the caches.
    const check = {
      issuer: config.auth0.issuer,
      audience: config.auth0.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    };
    (Strategy as unknown as { JwtVerifier: JwtVerifier }).JwtVerifier = (
      token,
      key,
      _options,
      callback,
    ) => {
      let claims: Record<string, unknown>;
      try {
        claims = verifyRs256(token, key as KeyObject, {
          ...check,
          now: Math.floor(clock.now() / 1000),
        });
      } catch (err) {
        callback(err as Error);
        return;
      }
      callback(null, claims);
    };
  }

  validate(req: RequestWithSession, payload: Record<string, unknown>): AuthUser {
    const user = toPrincipal(req, payload, this.clientId);
    const token = extractToken(req);
    const kid = req.portcullisKid;
    if (token && kid) this.verifier.verified.set(token, kid, payload, this.clock.now());
    return user;
  }
}
