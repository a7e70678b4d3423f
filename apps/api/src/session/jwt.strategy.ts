// Verifies Auth0 access tokens: passport-jwt with keys from Auth0's JWKS through jwks-rsa
// (cached, rate limited). RS256 only; iss, aud, exp and nbf checked by jsonwebtoken with a
// small clock tolerance; azp checked here. The token comes from the decrypted session
// cookie (put on the request by AuthGuard) or an `Authorization: Bearer` header.
import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { passportJwtSecret } from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { DomainError } from '../common/domain-error';
import type { AuthUser, SessionData } from './session.types';

export const CLOCK_TOLERANCE_SECONDS = 5;

export type RequestWithSession = FastifyRequest & {
  portcullisSession?: SessionData;
  user?: AuthUser;
};

const fromBearer = ExtractJwt.fromAuthHeaderAsBearerToken();

export function extractToken(req: RequestWithSession): string | null {
  if (req.portcullisSession) return req.portcullisSession.at;
  return fromBearer(req);
}

@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly clientId: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    super({
      jwtFromRequest: extractToken as never,
      secretOrKeyProvider: passportJwtSecret({
        jwksUri: config.auth0.jwksUri,
        cache: true,
        cacheMaxEntries: 10,
        cacheMaxAge: 10 * 60 * 1000,
        rateLimit: true,
        jwksRequestsPerMinute: 10,
        timeout: config.auth0.timeoutMs,
      }),
      issuer: config.auth0.issuer,
      audience: config.auth0.audience,
      algorithms: ['RS256'],
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
      passReqToCallback: true,
    });
    this.clientId = config.auth0.clientId;
  }

  validate(req: RequestWithSession, payload: Record<string, unknown>): AuthUser {
    // azp: the token was issued to our application, not to another client of the same API.
    if (payload.azp !== undefined && payload.azp !== this.clientId) {
      throw new DomainError('unauthenticated', 'The token was issued to another application.');
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
      throw new DomainError('unauthenticated', 'The token has no subject.');
    }
    const session = req.portcullisSession;
    if (session && session.user.id !== payload.sub) {
      throw new DomainError('unauthenticated', 'The session does not match its token.');
    }
    const scopes =
      typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [];
    return { id: payload.sub, scopes, claims: payload, ...(session ? { session } : {}) };
  }
}
