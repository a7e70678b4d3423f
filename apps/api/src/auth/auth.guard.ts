// The global guard: every route needs a verified Auth0 access token unless @Public(). With
// the session cookie, the token is the session's own (kept on the server; SessionService
// refreshes it when it is about to expire); otherwise an `Authorization: Bearer` header.
// passport-jwt (JwtStrategy) verifies a token the first time; after that the session keeps
// its principal until the token changes or Auth0's keys do, and a Bearer token is remembered
// in the verified-token cache until its exp, and its subject passes the same Salesforce gate
// as a session (BearerGate). Every failure is a problem with a stable code,
// never a 500; only unreachable keys or stores are a 503.
import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard as PassportAuthGuard } from '@nestjs/passport';
import type { FastifyReply } from 'fastify';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { stringField } from '../common/error-fields.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { keepsCookie } from '../session/live-sessions.js';
import { SessionCookie } from '../session/session-cookie.js';
import { SessionService, type LiveSession } from '../session/session.service.js';
import type { AuthRequest, AuthUser } from './auth.types.js';
import { BearerGate } from './bearer-gate.js';
import { bearerForCache, extractToken, toPrincipal } from './jwt.strategy.js';
import { IS_PUBLIC } from './public.decorator.js';
import { TokenVerifier } from './token-verifier.js';

/** Failures that are the token's fault: 401, never 503. */
const TOKEN_FAULTS = new Set([
  'JsonWebTokenError',
  'TokenExpiredError',
  'NotBeforeError',
  'SigningKeyNotFoundError',
]);

/**
 * Codes after which the browser's cookie names nothing: it is cleared. Not for a cookie or
 * record made under a secret this instance does not hold (keepsCookie): another instance may
 * hold it, and clearing would sign the person out during a rotation of SESSION_SECRETS.
 */
const SESSION_OVER = new Set([
  'unauthenticated',
  'session_expired',
  'not_eligible',
  'access_denied',
]);

const keysUnavailable = () =>
  new DomainError('upstream_unavailable', 'Sign-in keys are unavailable. Try again shortly.', {
    retryAfterSeconds: 5,
  });

@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  private readonly clientId: string;
  /** Whether a route is @Public(), per handler: metadata does not change after start. */
  private readonly publicHandlers = new WeakMap<object, boolean>();
  /** The principal of a Bearer token verified before, per cached claims object. */
  private readonly bearerPrincipals = new WeakMap<object, AuthUser>();

  constructor(
    private readonly reflector: Reflector,
    private readonly cookie: SessionCookie,
    private readonly sessions: SessionService,
    private readonly clock: Clock,
    private readonly verifier: TokenVerifier,
    private readonly bearerGate: BearerGate,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.clientId = config.auth0.clientId;
  }

  /**
   * Synchronous when everything is known (a public route; a session or Bearer token seen
   * before), so the common case costs no promise.
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
    const req = context.switchToHttp().getRequest<AuthRequest>();
    const cookie = this.cookie.read(req);
    if (cookie.state === 'present') return this.withCookie(context, req, cookie.value);
    if (cookie.state === 'invalid' && !req.headers.authorization) {
      this.cookie.clear(context.switchToHttp().getResponse<FastifyReply>());
      throw new DomainError('unauthenticated', 'Sign in to continue.');
    }
    if (this.fromBearerCache(req)) return this.admitBearer(req);
    return this.verifyFully(context).then((ok) => ok && this.admitBearer(req));
  }

  /** A verified Bearer token's subject must pass the Salesforce gate too (BearerGate). */
  private admitBearer(req: AuthRequest): boolean | Promise<boolean> {
    const admitted = this.bearerGate.admit(req.user!, extractToken(req)!);
    return admitted instanceof Promise ? admitted.then(() => true) : true;
  }

  private withCookie(
    context: ExecutionContext,
    req: AuthRequest,
    value: string,
  ): boolean | Promise<boolean> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const meta = () => ({ ip: req.ip, requestId: req.id });
    let found: LiveSession | Promise<LiveSession>;
    try {
      found = this.sessions.authenticate(value, meta);
    } catch (err) {
      throw this.sessionFailure(reply, err);
    }
    if (found instanceof Promise) {
      return found.then(
        (live) => this.withSession(context, req, reply, value, live),
        (err: unknown) => {
          throw this.sessionFailure(reply, err);
        },
      );
    }
    return this.withSession(context, req, reply, value, found);
  }

  private sessionFailure(reply: FastifyReply, err: unknown): unknown {
    if (err instanceof DomainError && SESSION_OVER.has(err.code) && !keepsCookie(err))
      this.cookie.clear(reply);
    return err;
  }

  private withSession(
    context: ExecutionContext,
    req: AuthRequest,
    reply: FastifyReply,
    value: string,
    live: LiveSession,
  ): boolean | Promise<boolean> {
    // A cookie MACed by a secret that has since rotated out of first place: issue the current one.
    if (live.cookie !== value)
      this.cookie.write(reply, live.cookie, live.record.absoluteExpiresAt, this.clock.now());
    const known = live.principal;
    if (known && known.generation === this.verifier.generation) {
      req.user = known.user;
      return true;
    }
    return this.verifySession(context, req, live).catch(async (err: unknown) => {
      // The stored token no longer verifies (its key left Auth0's key set, or it expired by
      // a clock other than ours): a refresh gets one that does, or ends the session.
      if (!(err instanceof DomainError) || err.code === 'upstream_unavailable') throw err;
      try {
        const refreshed = await this.sessions.refresh(live, { ip: req.ip, requestId: req.id });
        return await this.verifySession(context, req, refreshed);
      } catch (again) {
        throw this.sessionFailure(reply, again);
      }
    });
  }

  private async verifySession(
    context: ExecutionContext,
    req: AuthRequest,
    live: LiveSession,
  ): Promise<boolean> {
    req.portcullisSession = live;
    const generation = this.verifier.generation;
    const token = live.tokens.at;
    const ok = await this.verifyFully(context);
    // Remembered only for the token that was verified (a refresh may have replaced it).
    if (ok && req.user && live.tokens.at === token) live.principal = { user: req.user, generation };
    return ok;
  }

  /** True when the Bearer token was verified before (and is not expired, nor its key gone). */
  private fromBearerCache(req: AuthRequest): boolean {
    const token = bearerForCache(req);
    if (!token) return false;
    const claims = this.verifier.verified.get(token, this.clock.now());
    if (!claims) return false;
    let user = this.bearerPrincipals.get(claims);
    if (!user) {
      user = toPrincipal(req, claims, this.clientId);
      this.bearerPrincipals.set(claims, user);
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
      const name = stringField(err, 'name');
      // An unknown kid is the token's fault; anything else means we could not get keys.
      if (name === 'SigningKeyNotFoundError')
        throw new DomainError('unauthenticated', 'Sign in to continue.');
      throw keysUnavailable();
    }
    if (!user) {
      // passport-jwt reports every failure as `info`: the token's own faults, an unknown kid,
      // and also a key set that could not be fetched.
      const name = stringField(info, 'name');
      if (name === 'TokenExpiredError') {
        throw new DomainError('session_expired', 'Your session needs refreshing.');
      }
      if (
        info instanceof Error &&
        !TOKEN_FAULTS.has(name ?? '') &&
        info.message !== 'No auth token'
      ) {
        throw keysUnavailable();
      }
      throw new DomainError('unauthenticated', 'Sign in to continue.');
    }
    return user as TUser;
  }
}
