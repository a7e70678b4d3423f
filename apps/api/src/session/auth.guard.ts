// The global guard: every route needs a verified Auth0 access token unless @Public().
// The token comes from the session cookie (decrypted here) or a Bearer header. A token
// verified before (and not expired, and whose key is still published) is taken from the
// verified-token cache; any other goes through passport-jwt (JwtStrategy). Every failure is
// a 401 with a stable code, never a 500; only unreachable keys are a 503.
import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { tokenForCache, toPrincipal, type RequestWithSession } from './jwt.strategy';
import { IS_PUBLIC } from './public.decorator';
import { SessionCookie, type CookieRead } from './session-cookie';
import type { AuthUser, SessionData } from './session.types';
import { TokenVerifier } from './token-verifier';

/** Failures that are the token's fault: 401, never 503. */
const TOKEN_FAULTS = new Set([
  'JsonWebTokenError',
  'TokenExpiredError',
  'NotBeforeError',
  'SigningKeyNotFoundError',
]);

@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  private readonly clientId: string;
  /** The principal of a session whose token was verified: until its exp, or keys change. */
  private readonly principals = new WeakMap<
    SessionData,
    { user: AuthUser; expiresAt: number; generation: number }
  >();

  /** Whether a route is @Public(), per handler: metadata does not change after start. */
  private readonly publicHandlers = new WeakMap<object, boolean>();
  /** The principal of a Bearer token verified before, per cached claims object. */
  private readonly bearerPrincipals = new WeakMap<object, AuthUser>();

  constructor(
    private readonly reflector: Reflector,
    private readonly cookie: SessionCookie,
    private readonly clock: Clock,
    private readonly verifier: TokenVerifier,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.clientId = config.auth0.clientId;
  }

  /**
   * Synchronous when everything is known from the caches (a public route; a session or
   * Bearer token verified before), so the common case costs no promise; otherwise it
   * decrypts the cookie and/or verifies the token through passport-jwt.
   */
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const handler = context.getHandler();
    let isPublic = this.publicHandlers.get(handler);
    if (isPublic === undefined) {
      isPublic =
        this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, context.getClass()]) ===
        true;
      this.publicHandlers.set(handler, isPublic);
    }
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<RequestWithSession>();
    const now = this.clock.now();
    const read = this.cookie.readCached(req);
    if (!read) return this.decryptThenVerify(context, req, now);
    this.applyCookie(req, read, now);
    return this.fromCaches(req, now) || this.verifyFully(context);
  }

  private async decryptThenVerify(
    context: ExecutionContext,
    req: RequestWithSession,
    now: number,
  ): Promise<boolean> {
    this.applyCookie(req, await this.cookie.read(req), now);
    return this.fromCaches(req, now) || this.verifyFully(context);
  }

  private applyCookie(req: RequestWithSession, read: CookieRead, now: number): void {
    if (read.state === 'ok') {
      if (now >= read.session.abs || now >= read.session.exp) {
        throw new DomainError('session_expired', 'Your session has ended. Sign in again.');
      }
      req.portcullisSession = read.session;
    } else if (read.state === 'invalid' && !req.headers.authorization) {
      throw new DomainError('unauthenticated', 'Sign in to continue.');
    }
  }

  /** True when the request is authenticated from what was verified before. */
  private fromCaches(req: RequestWithSession, now: number): boolean {
    const session = req.portcullisSession;
    if (session) {
      const known = this.principals.get(session);
      if (known && known.generation === this.verifier.generation && now < known.expiresAt) {
        req.user = known.user;
        return true;
      }
    }
    const token = tokenForCache(req);
    if (!token) return false;
    const claims = this.verifier.verified.get(token, now);
    if (!claims) return false;
    if (!session) {
      // A Bearer token: its principal depends on the claims alone, so it is built once.
      let user = this.bearerPrincipals.get(claims);
      if (!user) {
        user = toPrincipal(req, claims, this.clientId);
        this.bearerPrincipals.set(claims, user);
      }
      req.user = user;
      return true;
    }
    const user = toPrincipal(req, claims, this.clientId);
    if (session && typeof claims.exp === 'number') {
      this.principals.set(session, {
        user,
        expiresAt: claims.exp * 1000,
        generation: this.verifier.generation,
      });
    }
    req.user = user;
    return true;
  }

  private async verifyFully(context: ExecutionContext): Promise<boolean> {
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<TUser = AuthUser>(err: unknown, user: unknown, info: unknown): TUser {
    if (err instanceof DomainError) throw err;
    if (err) {
      const name = (err as { name?: string }).name ?? '';
      // An unknown kid is the token's fault; anything else means we could not get keys.
      if (name === 'SigningKeyNotFoundError')
        throw new DomainError('unauthenticated', 'Sign in to continue.');
      throw new DomainError(
        'upstream_unavailable',
        'Sign-in keys are unavailable. Try again shortly.',
        {
          retryAfterSeconds: 5,
        },
      );
    }
    if (!user) {
      // passport-jwt reports every failure as `info`: the token's own faults, an unknown kid,
      // and also a key set that could not be fetched.
      const name = (info as { name?: string } | undefined)?.name;
      if (name === 'TokenExpiredError') {
        throw new DomainError('session_expired', 'Your session needs refreshing.');
      }
      if (
        info instanceof Error &&
        !TOKEN_FAULTS.has(name ?? '') &&
        info.message !== 'No auth token'
      ) {
        throw new DomainError(
          'upstream_unavailable',
          'Sign-in keys are unavailable. Try again shortly.',
          {
            retryAfterSeconds: 5,
          },
        );
      }
      throw new DomainError('unauthenticated', 'Sign in to continue.');
    }
    return user as TUser;
  }
}
