// The global guard: every route needs a verified Auth0 access token unless @Public(). With
// the session cookie, the token is the session's own (kept on the server; SessionService
// refreshes it when it is about to expire); otherwise an `Authorization: Bearer` header.
// passport-jwt (JwtStrategy) verifies a token the first time; after that the session keeps
// its principal until the token changes or Auth0's keys do, and a Bearer token is remembered
// in the verified-token cache until its exp. A person's Bearer token passes the same
// Salesforce gate as a session (BearerGate); a service's (API_SERVICE_CLIENTS) does not.
// The guard builds the request's one principal (@CurrentPrincipal()) and applies the route's
// rules (route-rules.ts): people only unless @AdmitServices(), scopes, fresh eligibility, a
// recent sign-in. Every failure is a problem with a stable code, never a 500; only
// unreachable keys, stores or Salesforce are a 503.
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
import type { AuthRequest, TokenPerson, TokenSubject } from './auth.types.js';
import { BearerGate, type EligibleSubject } from './bearer-gate.js';
import {
  bearerForCache,
  extractToken,
  tokenClients,
  toTokenSubject,
  type TokenClients,
} from './jwt.strategy.js';
import { sessionPerson, type PersonPrincipal, type ServicePrincipal } from './principal.js';
import { routeRules, type RouteRules } from './route-rules.js';
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

const peopleOnly = () =>
  new DomainError('people_only', 'This route is for people signed in, not for services.');

const signInAgain = () =>
  new DomainError(
    'reauthentication_required',
    'This needs a recent sign-in: sign in again with a new code, then retry.',
  );

@Injectable()
export class AuthGuard extends PassportAuthGuard('jwt') {
  private readonly clients: TokenClients;
  /** Each route's rules, per handler: metadata does not change after start. */
  private readonly rules = new WeakMap<object, RouteRules>();
  /** The token subject of a Bearer token verified before, per cached claims object. */
  private readonly bearerSubjects = new WeakMap<object, TokenSubject>();
  /** A Bearer person's principal, per token subject, for the gate's answer it was built from. */
  private readonly bearerPeople = new WeakMap<
    TokenPerson,
    { from: EligibleSubject; person: PersonPrincipal }
  >();

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
    this.clients = tokenClients(config);
  }

  /**
   * Synchronous when everything is known (a public route; a session or Bearer token seen
   * before, and no rule that asks Salesforce), so the common case costs no promise.
   */
  override canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const handler = context.getHandler();
    let rules = this.rules.get(handler);
    if (rules === undefined) {
      rules = routeRules(handler, context.getClass());
      this.rules.set(handler, rules);
    }
    if (rules.isPublic) return true;
    const req = context.switchToHttp().getRequest<AuthRequest>();
    const cookie = this.cookie.read(req);
    if (cookie.state === 'present') return this.withCookie(context, req, cookie.value, rules);
    if (cookie.state === 'invalid' && !req.headers.authorization) {
      this.cookie.clear(context.switchToHttp().getResponse<FastifyReply>());
      throw new DomainError('unauthenticated', 'Sign in to continue.');
    }
    if (this.fromBearerCache(req)) return this.admitBearer(context, req, rules);
    return this.verifyFully(context).then((ok) => ok && this.admitBearer(context, req, rules));
  }

  /**
   * The principal of a verified Bearer token, and the route's rules for it: a service is
   * admitted only where the route admits services, with its scopes; a person's subject must
   * pass the Salesforce gate (BearerGate), within @FreshEligibility's age when the route has it.
   */
  private admitBearer(
    context: ExecutionContext,
    req: AuthRequest,
    rules: RouteRules,
  ): boolean | Promise<boolean> {
    const subject = req.user!;
    if (subject.kind === 'service') {
      this.serviceRules(context, subject, rules);
      req.principal = subject;
      return true;
    }
    const admitted = this.bearerGate.admit(
      subject.id,
      extractToken(req)!,
      rules.freshEligibilityMs,
    );
    const admit = (known: EligibleSubject): boolean => {
      const person = this.bearerPerson(subject, known);
      if (rules.recentSignInMs !== undefined) this.signInRule(person, rules.recentSignInMs);
      req.principal = person;
      return true;
    };
    return admitted instanceof Promise ? admitted.then(admit) : admit(admitted);
  }

  /** A Bearer person: what the token says, and what the gate learned of its subject. */
  private bearerPerson(token: TokenPerson, known: EligibleSubject): PersonPrincipal {
    const built = this.bearerPeople.get(token);
    if (built?.from === known) return built.person;
    const person: PersonPrincipal = Object.freeze({
      kind: 'person',
      id: token.id,
      email: known.email,
      emailVerified: known.emailVerified,
      ...(known.name !== undefined ? { name: known.name } : {}),
      eligibility: known.eligibility,
      eligibilityCheckedAt: known.checkedAt,
      signedInAt: token.authTime,
      expiresAt: token.expiresAt,
    });
    this.bearerPeople.set(token, { from: known, person });
    return person;
  }

  /** People only unless @AdmitServices(); then every scope of @RequireScopes(). */
  private serviceRules(context: ExecutionContext, service: ServicePrincipal, rules: RouteRules) {
    if (!rules.admitServices) throw peopleOnly();
    const missing = rules.scopes.filter((s) => !service.scopes.includes(s));
    if (missing.length === 0) return;
    // RFC 6750 §3.1: the scope the resource needs, beside the problem.
    void context
      .switchToHttp()
      .getResponse<FastifyReply>()
      .header(
        'www-authenticate',
        `Bearer error="insufficient_scope", scope="${rules.scopes.join(' ')}"`,
      );
    throw new DomainError(
      'insufficient_scope',
      `This route needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`,
    );
  }

  /** @RecentSignIn: the person proved their mailbox within `ms`. */
  private signInRule(person: PersonPrincipal, ms: number): void {
    const at = person.signedInAt;
    if (at === undefined || this.clock.now() - at > ms) throw signInAgain();
  }

  private withCookie(
    context: ExecutionContext,
    req: AuthRequest,
    value: string,
    rules: RouteRules,
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
        (live) => this.withSession(context, req, reply, value, live, rules),
        (err: unknown) => {
          throw this.sessionFailure(reply, err);
        },
      );
    }
    return this.withSession(context, req, reply, value, found, rules);
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
    rules: RouteRules,
  ): boolean | Promise<boolean> {
    // A cookie MACed by a secret that has since rotated out of first place: issue the current one.
    if (live.cookie !== value)
      this.cookie.write(reply, live.cookie, live.record.absoluteExpiresAt, this.clock.now());
    const known = live.principal;
    if (known && known.generation === this.verifier.generation) {
      req.principal = known.user;
      return rules.personRules ? this.sessionRules(req, reply, live, rules) : true;
    }
    return this.verifySession(context, req, live)
      .catch(async (err: unknown) => {
        // The stored token no longer verifies (its key left Auth0's key set, or it expired by
        // a clock other than ours): a refresh gets one that does, or ends the session.
        if (!(err instanceof DomainError) || err.code === 'upstream_unavailable') throw err;
        try {
          const refreshed = await this.sessions.refresh(live, { ip: req.ip, requestId: req.id });
          return await this.verifySession(context, req, refreshed);
        } catch (again) {
          throw this.sessionFailure(reply, again);
        }
      })
      .then((ok) => ok && (!rules.personRules || this.sessionRules(req, reply, live, rules)));
  }

  /** A session person's rules: a recent sign-in, then eligibility asked again if too old. */
  private sessionRules(
    req: AuthRequest,
    reply: FastifyReply,
    live: LiveSession,
    rules: RouteRules,
  ): true | Promise<true> {
    const person = req.principal as PersonPrincipal;
    if (rules.recentSignInMs !== undefined) this.signInRule(person, rules.recentSignInMs);
    const maxAgeMs = rules.freshEligibilityMs;
    if (maxAgeMs === undefined || this.clock.now() - person.eligibilityCheckedAt <= maxAgeMs)
      return true;
    return this.sessions.eligibleWithin(live, maxAgeMs, { ip: req.ip, requestId: req.id }).then(
      () => true as const,
      (err: unknown) => {
        throw this.sessionFailure(reply, err);
      },
    );
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
    // The session's token is always a person's (toTokenSubject refuses anything else for a
    // session). Remembered only for the token that was verified (a refresh may have replaced it).
    if (!ok) return false;
    if (req.user?.kind !== 'person')
      throw new DomainError('unauthenticated', 'Sign in to continue.');
    const person = live.principal?.user ?? sessionPerson(live);
    if (live.tokens.at === token) live.principal = { user: person, generation };
    req.principal = person;
    return true;
  }

  /** True when the Bearer token was verified before (and is not expired, nor its key gone). */
  private fromBearerCache(req: AuthRequest): boolean {
    const token = bearerForCache(req);
    if (!token) return false;
    const claims = this.verifier.verified.get(token, this.clock.now());
    if (!claims) return false;
    let subject = this.bearerSubjects.get(claims);
    if (!subject) {
      subject = toTokenSubject(req, claims, this.clients);
      this.bearerSubjects.set(claims, subject);
    }
    req.user = subject;
    return true;
  }

  private async verifyFully(context: ExecutionContext): Promise<boolean> {
    return (await super.canActivate(context)) as boolean;
  }

  override handleRequest<TUser = TokenSubject>(err: unknown, user: unknown, info: unknown): TUser {
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
