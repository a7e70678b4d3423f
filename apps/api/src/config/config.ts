// Every setting of the API, read from the environment once at boot, validated with zod into
// one typed object. Nothing else in the API reads process.env. A missing or malformed
// variable stops the process with a message that names it.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  conditions,
  csv,
  intFrom,
  soqlName,
  trustProxy,
  type Condition,
  type TrustProxy,
} from './env-parsers.js';

export type { Condition, ConditionValue, TrustProxy } from './env-parsers.js';

/** Defaults of the embedded emulators (README, "The emulators"). */
export const EMBEDDED = {
  auth0Port: 4010,
  salesforcePort: 4020,
  clientId: 'portcullis-dev',
  clientSecret: 'portcullis-dev-secret',
  audience: 'https://api.portcullis.test',
  salesforceApiVersion: '62.0',
} as const;

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: intFrom(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  AUTH0_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+(:[0-9]+)?$/i, 'must be a host like tenant.eu.auth0.com (no https://)')
    .optional(),
  AUTH0_CLIENT_ID: z.string().min(1).optional(),
  AUTH0_CLIENT_SECRET: z.string().min(1).optional(),
  AUTH0_AUDIENCE: z.string().min(1).optional(),
  AUTH0_SCOPE: z.string().min(1).default('openid email profile offline_access'),
  AUTH0_TIMEOUT_MS: intFrom(100, 60_000).default(8000),
  // Applications whose client-credentials tokens may call the routes that admit services;
  // unset: none. Auth0 client ids, comma-separated.
  API_SERVICE_CLIENTS: csv
    .pipe(
      z.array(
        z
          .string()
          .max(128, 'each client id must be at most 128 characters')
          .regex(
            /^[A-Za-z0-9._-]+$/,
            'each entry must be an Auth0 client id (letters, digits, ".", "_", "-")',
          ),
      ),
    )
    .default([]),

  SALESFORCE_LOGIN_URL: z.url({ protocol: /^https?$/ }).optional(),
  SALESFORCE_CLIENT_ID: z.string().min(1).optional(),
  SALESFORCE_CLIENT_SECRET: z.string().min(1).optional(),
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^[0-9]{2}\.0$/, 'must look like 62.0')
    .default(EMBEDDED.salesforceApiVersion),
  SALESFORCE_OBJECT: soqlName.default('Contact'),
  SALESFORCE_EMAIL_FIELD: soqlName.default('Email'),
  SALESFORCE_ELIGIBILITY_CONDITIONS: conditions.default([
    { field: 'Portal_Access__c', value: true },
  ]),
  SALESFORCE_RETURN_FIELDS: csv
    .pipe(z.array(soqlName))
    .default(['FirstName', 'LastName', 'Account_Tier__c']),
  SALESFORCE_TIMEOUT_MS: intFrom(100, 60_000).default(5000),
  ELIGIBILITY_CACHE_SECONDS: intFrom(0, 3600).default(60),
  // How long start keeps a "no" (no matching record, or not eligible) before asking again;
  // unset: 3600, or 0 when ELIGIBILITY_CACHE_SECONDS is 0 (the cache switched off).
  ELIGIBILITY_UNKNOWN_CACHE_SECONDS: intFrom(0, 86400).optional(),
  // Past this share of the org's daily API allocation (Sforce-Limit-Info), a warning is logged.
  SALESFORCE_API_USAGE_WARN_RATIO: z.coerce.number().gt(0).max(1).default(0.8),

  SESSION_SECRETS: csv
    .pipe(
      z
        .array(
          z
            .string()
            .min(32, 'each secret must be at least 32 characters (e.g. openssl rand -base64 48)'),
        )
        .min(1, 'must name at least one secret'),
    )
    .optional(),
  SESSION_SECRET: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. openssl rand -base64 48)')
    .optional(),
  ELIGIBILITY_RECHECK_SECONDS: intFrom(0, 86400).default(300),
  AUTH0_REVOCATION_DELETES_GRANT: z.enum(['true', 'false']).default('false'),
  SESSION_IDLE_SECONDS: intFrom(60, 90 * 86400).default(7 * 86400),
  SESSION_ABSOLUTE_SECONDS: intFrom(60, 365 * 86400).default(30 * 86400),
  COOKIE_SECURE: z.enum(['true', 'false']).optional(),

  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional(),
  KEY_PREFIX: z.string().min(1).max(64).default('portcullis:'),

  TRUST_PROXY: trustProxy.default({ kind: 'none' }),
  ALLOWED_ORIGINS: csv.pipe(z.array(z.url())).default([]),
  WEB_DIST_DIR: z.string().optional(),

  CODE_RESEND_SECONDS: intFrom(0, 3600).default(30),
  // The tenant's email OTP settings, kept in step with Auth0's (defaults are Auth0's own).
  OTP_LENGTH: z.coerce
    .number()
    .int('must be a whole number: the digits in the code Auth0 sends (default 6)')
    .min(4, 'must be 4 to 12: the digits in the code Auth0 sends (default 6)')
    .max(12, 'must be 4 to 12: the digits in the code Auth0 sends (default 6)')
    .default(6),
  OTP_TTL_SECONDS: z.coerce
    .number()
    .int('must be whole seconds: how long a code Auth0 sends stays valid (default 180)')
    .min(30, 'must be 30 to 86400 seconds: how long a code Auth0 sends stays valid (default 180)')
    .max(
      86400,
      'must be 30 to 86400 seconds: how long a code Auth0 sends stays valid (default 180)',
    )
    .default(180),
  CODES_PER_EMAIL_PER_HOUR: intFrom(1, 1_000_000).default(5),
  STARTS_PER_IP_PER_HOUR: intFrom(1, 100_000).default(30),
  FAILED_CODES_PER_EMAIL: intFrom(1, 1_000_000).default(10),
  LOCKOUT_SECONDS: intFrom(1, 86400).default(900),
  STARTS_GLOBAL_PER_MINUTE: intFrom(1, 1_000_000).default(600),
  FAILED_CODES_PER_IP_PER_HOUR: intFrom(1, 1_000_000).default(100),
  // Wrong codes per address in a day, for clients without a device cookie for it, and again for
  // the address's trusted devices together: 2 × 50 stays within NIST SP 800-63B-4's 100.
  FAILED_CODES_PER_EMAIL_PER_DAY: intFrom(1, 1_000_000).default(50),
  // The flood challenge's work: the largest counter a solver may have to try (one SHA-256
  // each; a browser tries ≈ 45,000 a second, so the default costs it 0.5–1 s).
  CHALLENGE_DIFFICULTY: intFrom(2, 10_000_000).default(50_000),
  // The flood challenge's hardest step: the difficulty doubles each time the minute's starts
  // double past STARTS_GLOBAL_PER_MINUTE, up to this (≈ 5–9 s in a desktop browser).
  CHALLENGE_MAX_DIFFICULTY: intFrom(2, 100_000_000).default(400_000),
  // Bearer token of GET /api/metrics; unset, the route does not exist (404).
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
});

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  /** Which outside services are the local emulators (started in-process by main.ts). */
  embedded: { auth0: boolean; salesforce: boolean };
  auth0: {
    domain: string;
    issuer: string;
    jwksUri: string;
    clientId: string;
    clientSecret: string;
    audience: string;
    scope: string;
    timeoutMs: number;
    /**
     * The tenant's "Refresh Token Revocation Deletes Grant" setting: when true, revoking one
     * refresh token revokes all of the person's, so ending one session must not revoke.
     */
    revocationDeletesGrant: boolean;
    /**
     * API_SERVICE_CLIENTS: the applications whose client-credentials tokens are services
     * (`{ kind: 'service' }` principals); empty: no service may call.
     */
    serviceClients: ReadonlySet<string>;
  };
  salesforce: {
    loginUrl: string;
    clientId: string;
    clientSecret: string;
    apiVersion: string;
    object: string;
    emailField: string;
    conditions: Condition[];
    returnFields: string[];
    timeoutMs: number;
    /** How old a cached "yes" may get before Salesforce is asked again. */
    cacheSeconds: number;
    /** How long a cached "no" (unknown or not eligible) answers start; at least cacheSeconds. */
    unknownCacheSeconds: number;
    /** Past this share of the daily API allocation, a warning is logged. */
    usageWarnRatio: number;
  };
  session: {
    /** The key ring: the first secret signs and encrypts, every one verifies and decrypts. */
    secrets: string[];
    /** True when the secret was generated at boot: sessions end when the process does. */
    ephemeralSecret: boolean;
    /** How stale a session's eligibility may get during use. */
    eligibilityRecheckSeconds: number;
    idleSeconds: number;
    absoluteSeconds: number;
    cookieName: string;
    secure: boolean;
  };
  /** Shared state (sessions, limits, locks, revocation) in Redis; absent: in this process. */
  redis: { url: string; keyPrefix: string } | undefined;
  trustProxy: TrustProxy;
  allowedOrigins: string[];
  webDistDir: string | undefined;
  limits: {
    codeResendSeconds: number;
    codesPerEmailPerHour: number;
    startsPerIpPerHour: number;
    failedCodesPerEmail: number;
    lockoutSeconds: number;
    startsGlobalPerMinute: number;
    failedCodesPerIpPerHour: number;
    /** Wrong codes per address per day, untrusted clients (and trusted devices) each. */
    failedCodesPerEmailPerDay: number;
    /** Past startsGlobalPerMinute: the proof-of-work's largest counter. */
    challengeDifficulty: number;
    /** The flood challenge's largest counter at the flood's worst. */
    challengeMaxDifficulty: number;
  };
  /** Bearer token of GET /api/metrics; undefined: no metrics route. */
  metricsToken: string | undefined;
  /** The Auth0 tenant's email one-time code: its digits and lifetime. */
  otp: { length: number; ttlSeconds: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

const AUTH0_VARS = [
  'AUTH0_DOMAIN',
  'AUTH0_CLIENT_ID',
  'AUTH0_CLIENT_SECRET',
  'AUTH0_AUDIENCE',
] as const;
const SALESFORCE_VARS = [
  'SALESFORCE_LOGIN_URL',
  'SALESFORCE_CLIENT_ID',
  'SALESFORCE_CLIENT_SECRET',
] as const;

/** Parses the environment. Throws ConfigError naming every missing or malformed variable. */
export function loadConfig(rawEnv: Env): AppConfig {
  // Empty strings mean "not set", as in most .env tooling.
  const env: Env = Object.fromEntries(
    Object.entries(rawEnv).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => `${i.path.join('.') || 'environment'}: ${i.message}`),
    );
  }
  const e = parsed.data;
  const problems: string[] = [];
  const production = e.NODE_ENV === 'production';

  // A service is embedded when none of its variables is set; a partial set is a mistake.
  const partial = (vars: readonly string[], name: string): boolean => {
    const set = vars.filter((v) => env[v] !== undefined);
    if (set.length === 0) {
      if (production)
        problems.push(
          `${vars.join(', ')}: required in production (the ${name} emulator is for development only)`,
        );
      return true;
    }
    for (const v of vars)
      if (env[v] === undefined)
        problems.push(`${v}: required when ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set`);
    return false;
  };
  const auth0Embedded = partial(AUTH0_VARS, 'Auth0');
  const salesforceEmbedded = partial(SALESFORCE_VARS, 'Salesforce');
  if (e.SESSION_SECRETS && e.SESSION_SECRET)
    problems.push('SESSION_SECRET: set SESSION_SECRETS or SESSION_SECRET, not both');
  const secrets = e.SESSION_SECRETS ?? (e.SESSION_SECRET ? [e.SESSION_SECRET] : undefined);
  if (production && !secrets) problems.push('SESSION_SECRETS: required in production');
  if (e.SESSION_ABSOLUTE_SECONDS < e.SESSION_IDLE_SECONDS) {
    problems.push('SESSION_ABSOLUTE_SECONDS: must be at least SESSION_IDLE_SECONDS');
  }
  // Secure even in development: browsers treat http://localhost as a secure context and keep
  // Secure cookies there. COOKIE_SECURE=false exists only for clients that do not.
  const secure = e.COOKIE_SECURE !== 'false';
  if (production && !secure) problems.push('COOKIE_SECURE: cannot be false in production');
  const unknownCacheSeconds =
    e.ELIGIBILITY_UNKNOWN_CACHE_SECONDS ?? (e.ELIGIBILITY_CACHE_SECONDS === 0 ? 0 : 3600);
  if (unknownCacheSeconds < e.ELIGIBILITY_CACHE_SECONDS)
    problems.push(
      `ELIGIBILITY_UNKNOWN_CACHE_SECONDS: must be at least ELIGIBILITY_CACHE_SECONDS (${e.ELIGIBILITY_CACHE_SECONDS}); every cached answer lives that long`,
    );
  const clientId = auth0Embedded ? EMBEDDED.clientId : e.AUTH0_CLIENT_ID!;
  // Our own application's tokens are people's: it cannot also be a service.
  if (e.API_SERVICE_CLIENTS.includes(clientId))
    problems.push(
      `API_SERVICE_CLIENTS: must not list the API's own application (${auth0Embedded ? 'the embedded client' : 'AUTH0_CLIENT_ID'}); its tokens are people's`,
    );
  if (problems.length > 0) throw new ConfigError(problems);

  const domain = auth0Embedded ? `localhost:${EMBEDDED.auth0Port}` : e.AUTH0_DOMAIN!;
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    embedded: { auth0: auth0Embedded, salesforce: salesforceEmbedded },
    auth0: {
      domain,
      issuer: `https://${domain}/`,
      jwksUri: `https://${domain}/.well-known/jwks.json`,
      clientId,
      clientSecret: auth0Embedded ? EMBEDDED.clientSecret : e.AUTH0_CLIENT_SECRET!,
      audience: auth0Embedded ? EMBEDDED.audience : e.AUTH0_AUDIENCE!,
      scope: e.AUTH0_SCOPE,
      timeoutMs: e.AUTH0_TIMEOUT_MS,
      revocationDeletesGrant: e.AUTH0_REVOCATION_DELETES_GRANT === 'true',
      serviceClients: new Set(e.API_SERVICE_CLIENTS),
    },
    salesforce: {
      loginUrl: salesforceEmbedded
        ? `http://localhost:${EMBEDDED.salesforcePort}`
        : e.SALESFORCE_LOGIN_URL!.replace(/\/+$/, ''),
      clientId: salesforceEmbedded ? EMBEDDED.clientId : e.SALESFORCE_CLIENT_ID!,
      clientSecret: salesforceEmbedded ? EMBEDDED.clientSecret : e.SALESFORCE_CLIENT_SECRET!,
      apiVersion: e.SALESFORCE_API_VERSION,
      object: e.SALESFORCE_OBJECT,
      emailField: e.SALESFORCE_EMAIL_FIELD,
      conditions: e.SALESFORCE_ELIGIBILITY_CONDITIONS,
      returnFields: e.SALESFORCE_RETURN_FIELDS,
      timeoutMs: e.SALESFORCE_TIMEOUT_MS,
      cacheSeconds: e.ELIGIBILITY_CACHE_SECONDS,
      unknownCacheSeconds,
      usageWarnRatio: e.SALESFORCE_API_USAGE_WARN_RATIO,
    },
    session: {
      secrets: secrets ?? [randomBytes(32).toString('base64url')],
      ephemeralSecret: !secrets,
      eligibilityRecheckSeconds: e.ELIGIBILITY_RECHECK_SECONDS,
      idleSeconds: e.SESSION_IDLE_SECONDS,
      absoluteSeconds: e.SESSION_ABSOLUTE_SECONDS,
      // The __Host- prefix makes browsers refuse the cookie unless Secure, Path=/ and no Domain.
      cookieName: production ? '__Host-portcullis' : 'portcullis',
      secure,
    },
    redis: e.REDIS_URL ? { url: e.REDIS_URL, keyPrefix: e.KEY_PREFIX } : undefined,
    trustProxy: e.TRUST_PROXY,
    allowedOrigins: e.ALLOWED_ORIGINS.map((o) => new URL(o).origin),
    webDistDir: e.WEB_DIST_DIR,
    limits: {
      codeResendSeconds: e.CODE_RESEND_SECONDS,
      codesPerEmailPerHour: e.CODES_PER_EMAIL_PER_HOUR,
      startsPerIpPerHour: e.STARTS_PER_IP_PER_HOUR,
      failedCodesPerEmail: e.FAILED_CODES_PER_EMAIL,
      lockoutSeconds: e.LOCKOUT_SECONDS,
      startsGlobalPerMinute: e.STARTS_GLOBAL_PER_MINUTE,
      failedCodesPerIpPerHour: e.FAILED_CODES_PER_IP_PER_HOUR,
      failedCodesPerEmailPerDay: e.FAILED_CODES_PER_EMAIL_PER_DAY,
      challengeDifficulty: e.CHALLENGE_DIFFICULTY,
      challengeMaxDifficulty: Math.max(e.CHALLENGE_DIFFICULTY, e.CHALLENGE_MAX_DIFFICULTY),
    },
    metricsToken: e.METRICS_TOKEN,
    otp: { length: e.OTP_LENGTH, ttlSeconds: e.OTP_TTL_SECONDS },
  };
}

export const APP_CONFIG = Symbol('APP_CONFIG');
