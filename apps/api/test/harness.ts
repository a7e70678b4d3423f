// The API e2e harness: both emulators in-process on free ports, the Nest app on a real
// loopback port, and an HTTP client with a cookie jar. Real HTTP all the way.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type {
  Auth0Emulator,
  Auth0EmulatorOptions,
  SalesforceEmulator,
} from '@portcullis/emulators';
import { startEmulators, type EmulatorStack } from '@portcullis/emulators/testing';
import { createApp } from '../src/app.js';
import { Clock } from '../src/common/clock.js';
import { loadConfig, type AppConfig } from '../src/config/config.js';
import { PasswordlessService } from '../src/passwordless/passwordless.service.js';
import type { SessionStore } from '../src/session/session-store.js';
import { contractViolation } from './openapi-validator.js';

export const ADA = 'ada.lovelace@example.com';
export const GRACE = 'grace.hopper@example.com';
export const CHARLES = 'charles.babbage@example.com';
export const UNKNOWN = 'nobody@example.com';

export interface Stack {
  url: string;
  app: NestFastifyApplication;
  config: AppConfig;
  auth0: Auth0Emulator;
  salesforce: SalesforceEmulator;
  /** Every log line the API wrote. */
  logs: string[];
  /** Shifts the Auth0 emulator's clock (ms), to issue tokens that are already expired. */
  setAuth0ClockOffset(ms: number): void;
  /**
   * Shifts the API's clock (ms): sessions and caches follow it. Verifying a token's exp uses
   * real time (passport-jwt's own verifier), so tests move both clocks with `advance`.
   */
  setApiClockOffset(ms: number): void;
  /** Moves the API's and Auth0's clocks forward together, to `ms` past real time. */
  advance(ms: number): void;
  client(): Client;
  /** Waits for background work (code sends) to finish. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** A session store shared with another stack (two API processes on one store). */
  sessionStore?: SessionStore;
  /** Emulators of another stack, to run a second API against the same upstreams. */
  upstreams?: { auth0: Auth0Emulator; salesforce: SalesforceEmulator };
}

/** The API's environment for the emulators each stack started, for stacks that share them. */
const upstreamEnv = new WeakMap<Auth0Emulator, Record<string, string>>();

/**
 * Both emulators on their own, for instances that come and go around them (restarts):
 * pass `{ upstreams: { auth0, salesforce } }` to startStack, and stop them after the last one.
 */
export async function startUpstreams(
  auth0Options: Partial<Auth0EmulatorOptions> = {},
): Promise<EmulatorStack> {
  const own = await startEmulators({ auth0: auth0Options });
  upstreamEnv.set(own.auth0, own.env);
  return own;
}

export async function startStack(
  env: Record<string, string> = {},
  auth0Options: Partial<Auth0EmulatorOptions> = {},
  options: StackOptions = {},
): Promise<Stack> {
  // Our own emulators, or another stack's (whose clock then stays its own).
  const own: EmulatorStack | undefined = options.upstreams
    ? undefined
    : await startEmulators({ auth0: auth0Options });
  if (own) upstreamEnv.set(own.auth0, own.env);
  const auth0 = options.upstreams?.auth0 ?? own!.auth0;
  const salesforce = options.upstreams?.salesforce ?? own!.salesforce;
  const emulatorEnv = upstreamEnv.get(auth0);
  if (!emulatorEnv) throw new Error('upstreams: pass the emulators of another startStack()');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...emulatorEnv,
    AUTH0_TIMEOUT_MS: '2000',
    SALESFORCE_TIMEOUT_MS: '1000',
    ...(env.SESSION_SECRETS
      ? {}
      : { SESSION_SECRET: 'test-session-secret-that-is-long-enough-1234567890' }),
    // Limits out of the way unless a test is about them (abuse.e2e-spec.ts sets its own).
    CODE_RESEND_SECONDS: '0',
    CODES_PER_EMAIL_PER_HOUR: '1000',
    STARTS_PER_IP_PER_HOUR: '10000',
    FAILED_CODES_PER_EMAIL: '1000',
    FAILED_CODES_PER_EMAIL_PER_DAY: '100000',
    ...env,
  });
  const logs: string[] = [];
  const app = await createApp(config, {
    logSink: (line) => logs.push(line),
    ...(options.sessionStore ? { sessionStore: options.sessionStore } : {}),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const passwordless = app.get(PasswordlessService);
  let apiOffset = 0;
  const clock = app.get(Clock);
  clock.now = () => Date.now() + apiOffset;
  return {
    url,
    app,
    config,
    auth0,
    salesforce,
    logs,
    setAuth0ClockOffset: (ms) => own?.setAuth0ClockOffset(ms),
    setApiClockOffset: (ms) => {
      apiOffset = ms;
    },
    advance: (ms) => {
      apiOffset = ms;
      own?.setAuth0ClockOffset(ms);
    },
    client: () => new Client(url),
    settle: () => passwordless.drain(),
    stop: async () => {
      await passwordless.drain();
      await app.close();
      await own?.stop();
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
  text: string;
  setCookies: string[];
}

/** A tiny HTTP client with a cookie jar (it ignores Secure: the tests speak plain HTTP). */
export class Client {
  readonly jar = new Map<string, string>();

  constructor(readonly base: string) {}

  async request(
    method: string,
    path: string,
    opts: {
      json?: unknown;
      body?: string;
      headers?: Record<string, string>;
      cookies?: boolean;
    } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined = opts.body;
    if (opts.json !== undefined) {
      body = JSON.stringify(opts.json);
      headers['content-type'] ??= 'application/json';
    }
    if (opts.cookies !== false && this.jar.size > 0) {
      headers.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    const res = await fetch(this.base + path, { method, headers, body });
    const text = await res.text();
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const maxAge = attrs.map((a) => a.trim()).find((a) => /^max-age=/i.test(a));
      const expires = attrs.map((a) => a.trim()).find((a) => /^expires=/i.test(a));
      const gone =
        value === '' ||
        (maxAge !== undefined && Number(maxAge.split('=')[1]) <= 0) ||
        (expires !== undefined && Date.parse(expires.slice(8)) <= Date.now());
      if (gone) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    let parsed: unknown = undefined;
    if (text && /json/.test(res.headers.get('content-type') ?? '')) parsed = JSON.parse(text);
    // Every answer an e2e test receives must be one the OpenAPI document describes.
    const violation = contractViolation(method, this.base + path, {
      status: res.status,
      contentType: res.headers.get('content-type'),
      body: parsed,
      text,
    });
    if (violation) throw new Error(`OpenAPI contract: ${violation}`);
    return { status: res.status, headers: res.headers, body: parsed, text, setCookies };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, { headers });
  }

  delete(path: string, headers?: Record<string, string>) {
    return this.request('DELETE', path, { headers });
  }

  /** The session cookie's value (the harness runs outside production: no __Host- prefix). */
  get session(): string | undefined {
    return this.jar.get('portcullis');
  }

  /** Another client holding a copy of this one's cookies (a stolen or copied cookie). */
  copy(): Client {
    const other = new Client(this.base);
    for (const [k, v] of this.jar) other.jar.set(k, v);
    return other;
  }

  post(path: string, json?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, json === undefined ? { headers } : { json, headers });
  }
}

/** Polls the emulator outbox until it holds more than `known` messages for `email`. */
export async function waitForCode(stack: Stack, email: string, known: number): Promise<string> {
  await stack.settle();
  const deadline = Date.now() + 5000;
  for (;;) {
    const messages = stack.auth0.outbox(email);
    if (messages.length > known) return messages[0]!.code;
    if (Date.now() > deadline) throw new Error(`no code for ${email}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Signs in through the real flow and returns the client holding the session cookie. */
export async function signIn(stack: Stack, email = ADA): Promise<Client> {
  const client = stack.client();
  const known = stack.auth0.outbox(email).length;
  const start = await client.post('/api/auth/passwordless/start', { email });
  if (start.status !== 202) throw new Error(`start answered ${start.status}`);
  const code = await waitForCode(stack, email, known);
  const verify = await client.post('/api/auth/passwordless/verify', { email, code });
  if (verify.status !== 200) throw new Error(`verify answered ${verify.status}: ${verify.text}`);
  return client;
}

export function auth0Calls(stack: Stack, path: string): number {
  return stack.auth0.requests().filter((r) => r.path === path).length;
}

/**
 * Claims of an access token as the Auth0 emulator issues them to the API's client (for ada,
 * with the `openid email` scopes), for
 * tests that sign their own (`stack.auth0.signToken(accessClaims(stack, { ... }))`).
 */
export function accessClaims(stack: Stack, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: stack.auth0.issuer,
    // A real (eligible) user: Bearer tokens pass the Salesforce gate, which asks /userinfo.
    sub: stack.auth0.ensureUser(ADA),
    aud: [stack.auth0.audience, `${stack.auth0.issuer}userinfo`],
    azp: stack.auth0.clientId,
    scope: 'openid email',
    iat: now,
    exp: now + 60,
    ...overrides,
  };
}
