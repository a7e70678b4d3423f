// The shared setup of the controller specs (src/**/*.controller.spec.ts): a small Nest app on
// the Fastify adapter with the controller under test, the real global AuthGuard and
// passport-jwt strategy, the real session cookie, problem+json errors, and fakes for the rest:
// a token verifier whose only signing key is made here, a session service that knows no
// session, a Bearer gate that admits everyone (as an eligible person). No emulators, no
// sockets: requests go through Fastify's inject. Every route of the controller gets the checks
// of its kind: a guarded route refuses a request without credentials (or with bad ones) with
// 401 problem+json, and a service token with 403 `people_only` unless it @AdmitServices(); a
// @Public() route is declared public and reaches its handler without credentials. Full-stack
// checks live in test/*.e2e-spec.ts.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  Injectable,
  RequestMethod,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type Provider,
  type Type,
} from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { APP_GUARD, APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { PROBLEM_CONTENT_TYPE } from '@portcullis/shared';
import { SignJWT } from 'jose';
import { SigningKeyNotFoundError } from 'jwks-rsa';
import { of, type Observable } from 'rxjs';
import { AuthGuard } from '../src/auth/auth.guard.js';
import { BearerGate } from '../src/auth/bearer-gate.js';
import { JwtStrategy } from '../src/auth/jwt.strategy.js';
import type { EligibleSubject } from '../src/auth/bearer-gate.js';
import { IS_PUBLIC } from '../src/auth/public.decorator.js';
import { routeRules } from '../src/auth/route-rules.js';
import { TokenVerifier } from '../src/auth/token-verifier.js';
import { VerifiedTokenCache } from '../src/auth/verified-token-cache.js';
import { Clock } from '../src/common/clock.js';
import { DomainError } from '../src/common/domain-error.js';
import { ProblemFilter } from '../src/common/problem.filter.js';
import { APP_CONFIG, loadConfig, type AppConfig } from '../src/config/config.js';
import { KeyRing } from '../src/session/key-ring.js';
import { SessionCookie } from '../src/session/session-cookie.js';
import { SessionService } from '../src/session/session.service.js';

const KID = 'controller-spec-key';
/** The service application the controller apps admit (API_SERVICE_CLIENTS). */
export const SPEC_SERVICE = 'controller-spec-service';
/** What the fake Bearer gate says of every token's subject: an eligible person. */
export const SPEC_PERSON: EligibleSubject = {
  email: 'ada.lovelace@example.com',
  emailVerified: true,
  eligibility: { recordId: '003000000000001AAA' },
  checkedAt: Date.now(),
};

export interface Route {
  /** The controller's method name. */
  handler: string;
  method: string;
  /** The path under the global /api prefix, path parameters filled in. */
  url: string;
  isPublic: boolean;
  /** Whether service tokens may call it (@AdmitServices()), and the scopes they need. */
  admitServices: boolean;
  scopes: readonly string[];
}

export interface Answer {
  status: number;
  headers: Record<string, unknown>;
  body: any;
}

export interface ControllerContext {
  app: NestFastifyApplication;
  config: AppConfig;
  routes: Route[];
  /** The handlers the guard let through, in order (reset before each test). */
  reached: string[];
  request(route: Route, headers?: Record<string, string>, json?: unknown): Promise<Answer>;
  /** An Authorization header with a person's token signed by the fake verifier's key. */
  bearer(claims?: Record<string, unknown>): Promise<Record<string, string>>;
  /** An Authorization header with a client-credentials token of SPEC_SERVICE. */
  service(
    scopes?: readonly string[],
    claims?: Record<string, unknown>,
  ): Promise<Record<string, string>>;
}

export interface ControllerSpecOptions {
  /** Providers the controller needs beyond the fakes (else an empty object stands in). */
  providers?: Provider[];
  /** Run the handlers; by default the guard's decision is recorded and the handler stubbed. */
  runHandlers?: boolean;
}

/** What a handler would have done when handlers are stubbed: name itself. */
@Injectable()
class RecordHandler implements NestInterceptor {
  constructor(
    private readonly reached: string[],
    private readonly run: boolean,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const name = context.getHandler().name;
    this.reached.push(name);
    return this.run ? next.handle() : of({ reached: name });
  }
}

/** The controller's routes, from the metadata Nest's router reads. */
export function routesOf(controller: Type): Route[] {
  const reflector = new Reflector();
  const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
  const routes: Route[] = [];
  for (const handler of Object.getOwnPropertyNames(controller.prototype)) {
    const fn: unknown = Object.getOwnPropertyDescriptor(controller.prototype, handler)?.value;
    if (typeof fn !== 'function' || handler === 'constructor') continue;
    const method = Reflect.getMetadata(METHOD_METADATA, fn) as RequestMethod | undefined;
    if (method === undefined) continue;
    const path = String(Reflect.getMetadata(PATH_METADATA, fn) ?? '');
    const url = ['/api', base, path]
      .join('/')
      .replace(/:[A-Za-z0-9_]+/g, 'x')
      .replace(/\/+/g, '/')
      .replace(/(.)\/$/, '$1');
    const isPublic =
      reflector.getAllAndOverride<boolean>(IS_PUBLIC, [fn as () => unknown, controller]) === true;
    const { admitServices, scopes } = routeRules(fn, controller);
    routes.push({ handler, method: RequestMethod[method], url, isPublic, admitServices, scopes });
  }
  return routes;
}

async function startControllerApp(
  controller: Type,
  options: ControllerSpecOptions,
  reached: string[],
): Promise<{ app: NestFastifyApplication; config: AppConfig; privateKey: KeyObject }> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    SESSION_SECRET: 'controller-spec-session-secret-long-enough-0123456789',
    API_SERVICE_CLIENTS: SPEC_SERVICE,
  });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const verifier: Pick<TokenVerifier, 'generation' | 'verified'> & { keys: object } = {
    generation: 0,
    verified: new VerifiedTokenCache(100),
    keys: {
      key: (kid: string) =>
        kid === KID
          ? Promise.resolve(publicKey)
          : Promise.reject(new SigningKeyNotFoundError(`No key ${kid}`)),
    },
  };
  const sessions: Partial<SessionService> = {
    authenticate: () => {
      throw new DomainError('unauthenticated', 'Sign in to continue.');
    },
  };
  const moduleRef = await Test.createTestingModule({
    imports: [PassportModule],
    controllers: [controller],
    providers: [
      { provide: APP_CONFIG, useValue: config },
      Clock,
      { provide: KeyRing, useValue: new KeyRing(config.session.secrets) },
      SessionCookie,
      { provide: SessionService, useValue: sessions },
      { provide: TokenVerifier, useValue: verifier },
      { provide: BearerGate, useValue: { admit: () => SPEC_PERSON } },
      JwtStrategy,
      { provide: APP_GUARD, useClass: AuthGuard },
      {
        provide: APP_INTERCEPTOR,
        useValue: new RecordHandler(reached, options.runHandlers === true),
      },
      ...(options.providers ?? []),
    ],
  })
    .useMocker(() => ({}))
    .compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
    logger: false,
  });
  app.setGlobalPrefix('api');
  app.useGlobalFilters(new ProblemFilter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return { app, config, privateKey };
}

/**
 * Builds the app for `controller` before the spec's tests and closes it after; declares, per
 * route, the authentication checks of its kind. `publicHandlers` names the handlers that
 * must be @Public() (all others must be guarded), so a route that quietly changes side fails.
 * Returns the context, for the spec's own tests.
 */
export function describeControllerAuth<T>(
  controller: Type<T>,
  publicHandlers: readonly (keyof T & string)[] = [],
  options: ControllerSpecOptions = {},
): () => ControllerContext {
  const routes = routesOf(controller);
  let ctx: ControllerContext | undefined;
  const reached: string[] = [];

  beforeAll(async () => {
    const { app, config, privateKey } = await startControllerApp(controller, options, reached);
    const inject = app.getHttpAdapter().getInstance();
    const sign = async (claims: Record<string, unknown>) => {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({
        iss: config.auth0.issuer,
        aud: config.auth0.audience,
        iat: now,
        exp: now + 600,
        ...claims,
      })
        .setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' })
        .sign(privateKey);
      return { authorization: `Bearer ${token}` };
    };
    ctx = {
      app,
      config,
      routes,
      reached,
      request: async (route, headers = {}, json) => {
        const res = await inject.inject({
          method: route.method as 'GET',
          url: route.url,
          headers: {
            ...(json === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
          ...(json === undefined ? {} : { payload: JSON.stringify(json) }),
        });
        let body: unknown;
        try {
          body = res.body ? JSON.parse(res.body) : undefined;
        } catch {
          body = res.body;
        }
        return { status: res.statusCode, headers: res.headers, body };
      },
      bearer: (claims = {}) => {
        const now = Math.floor(Date.now() / 1000);
        return sign({
          sub: 'email|controller-spec',
          azp: config.auth0.clientId,
          scope: 'openid email',
          // Signed in just now: routes with @RecentSignIn() reach their handler.
          auth_time: now,
          ...claims,
        });
      },
      service: (scopes = [], claims = {}) =>
        sign({
          sub: `${SPEC_SERVICE}@clients`,
          azp: SPEC_SERVICE,
          gty: 'client-credentials',
          scope: scopes.join(' '),
          ...claims,
        }),
    };
  });

  afterAll(async () => {
    await ctx?.app.close();
  });

  beforeEach(() => {
    reached.length = 0;
  });

  const context = () => {
    if (!ctx) throw new Error('the controller app is not running');
    return ctx;
  };

  it('every route is listed, and the public ones are the ones named', () => {
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.filter((r) => r.isPublic).map((r) => r.handler)).toEqual([...publicHandlers]);
  });

  for (const route of routes) {
    describe(`${route.method} ${route.url}`, () => {
      if (route.isPublic) {
        it('is a public route: it reaches its handler without credentials', async () => {
          await context().request(route);
          expect(reached).toEqual([route.handler]);
        });
        return;
      }

      it.each([
        ['no credentials', () => ({})],
        ['a garbage Bearer token', () => ({ authorization: 'Bearer garbage' })],
        [
          'a garbage session cookie',
          (): Record<string, string> => ({ cookie: `${context().config.session.cookieName}=x` }),
        ],
      ])('is an authenticated route: %s is 401 problem+json', async (_name, headers) => {
        const res = await context().request(route, headers());
        expectUnauthenticated(res);
        expect(reached).toEqual([]);
      });

      it('reaches its handler with a valid token', async () => {
        await context().request(route, await context().bearer());
        expect(reached).toEqual([route.handler]);
      });

      if (!route.admitServices) {
        it('is for people only: a service token with every scope is 403 people_only', async () => {
          const res = await context().request(route, await context().service(['openid', 'x:y']));
          expect(res.status).toBe(403);
          expect(res.body).toMatchObject({ status: 403, code: 'people_only' });
          expect(reached).toEqual([]);
        });
        return;
      }

      it('admits services: a service token with its scopes reaches the handler', async () => {
        await context().request(route, await context().service(route.scopes));
        expect(reached).toEqual([route.handler]);
      });

      if (route.scopes.length > 0) {
        it('a service token without its scopes is 403 insufficient_scope', async () => {
          const res = await context().request(route, await context().service(['other:scope']));
          expect(res.status).toBe(403);
          expect(res.body).toMatchObject({ status: 403, code: 'insufficient_scope' });
          expect(reached).toEqual([]);
        });
      }
    });
  }

  return context;
}

export function expectUnauthenticated(
  res: Answer,
  code: 'unauthenticated' | 'session_expired' = 'unauthenticated',
): void {
  expect(res.status).toBe(401);
  expect(String(res.headers['content-type'])).toMatch(
    new RegExp(`^${PROBLEM_CONTENT_TYPE.replace('+', '\\+')}`),
  );
  expect(res.body).toMatchObject({ status: 401, code });
}
