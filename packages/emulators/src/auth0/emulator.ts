// A local stand-in for the parts of Auth0's Authentication API that Portcullis uses: email
// passwordless (`/passwordless/start` + the passwordless OTP grant), refresh-token rotation,
// revocation, /userinfo, JWKS and OIDC discovery. HTTPS only, because the `auth0` SDK always calls
// `https://${domain}` (see ../tls.ts). Every mirrored behaviour names its Auth0 source beside it,
// one file per endpoint family:
//
//   POST /passwordless/start                  passwordless-start.ts
//   POST /oauth/token                         token-grants.ts (tokens.ts: what is issued;
//                                             applications.ts: who may ask for what)
//   POST /oauth/revoke                        revoke.ts
//   GET  /userinfo                            userinfo.ts
//   GET  /.well-known/{jwks.json,openid-configuration}   discovery.ts
//   /__emulator/...                           controls.ts and the shared ../core
//
// Where Auth0 does not document a detail, the comment says the emulator's choice.
// Reference: https://auth0.com/docs/api/authentication and docs/upstream.md.
import https from 'node:https';
import {
  RouteTable,
  createEmulatorCore,
  listen,
  sendJson,
  systemClock,
  type FaultSpec,
  type LoggedRequest,
} from '../core/index.js';
import { ensureDevCertificate } from '../tls.js';
import {
  Applications,
  SERVICE_APPLICATION,
  parseApplication,
  type ApplicationInfo,
  type ApplicationSpec,
} from './applications.js';
import type { Auth0Tenant } from './context.js';
import { auth0Controls } from './controls.js';
import { discoveryRoutes } from './discovery.js';
import { Auth0Error, faultError, refuse, sendAuth0Error } from './errors.js';
import { KeyRing, type PublicJwk } from './keys.js';
import { passwordlessStartRoutes } from './passwordless-start.js';
import { revokeRoutes } from './revoke.js';
import { parseSettings, parseUserPatch, type UserPatch } from './settings.js';
import { Auth0Store, type Auth0Settings, type OutboxMessage } from './store.js';
import { PASSWORDLESS_OTP_GRANT, tokenRoutes } from './token-grants.js';
import { userinfoRoutes } from './userinfo.js';

export type {
  ApplicationInfo,
  ApplicationSpec,
  Auth0Settings,
  OutboxMessage,
  PublicJwk,
  UserPatch,
};
export { SERVICE_APPLICATION, parseApplication } from './applications.js';
export { PASSWORDLESS_OTP_GRANT } from './token-grants.js';
export { parseSettings, parseUserPatch, plausibleEmail } from './settings.js';

export const AUTH0_EMULATOR_DEFAULTS = {
  port: 4010,
  host: '127.0.0.1',
  clientId: 'portcullis-dev',
  clientSecret: 'portcullis-dev-secret',
  audience: 'https://api.portcullis.test',
  accessTokenTtlSeconds: 86_400,
  idTokenTtlSeconds: 36_000,
  codeTtlSeconds: 180,
  codeLength: 6,
  refreshReuseIntervalSeconds: 0,
  revocationDeletesGrant: false,
  allowOfflineAccess: true,
  rfc9068AccessTokens: false,
  /** The seeded Machine-to-Machine application (client credentials, scope greeting:read). */
  serviceClientId: SERVICE_APPLICATION.clientId,
  serviceClientSecret: SERVICE_APPLICATION.clientSecret,
} as const;

export interface Auth0EmulatorOptions {
  /** Default 4010; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  clientId?: string;
  clientSecret?: string;
  /** The one API identifier the tenant knows; other audiences get 403 "Service not found". */
  audience?: string;
  accessTokenTtlSeconds?: number;
  idTokenTtlSeconds?: number;
  codeTtlSeconds?: number;
  /** Digits in an email one-time code; default 6 (Auth0's default, tenant-configurable). */
  codeLength?: number;
  refreshReuseIntervalSeconds?: number;
  /** The tenant setting "Refresh Token Revocation Deletes Grant"; default false (see Auth0Settings). */
  revocationDeletesGrant?: boolean;
  /** The API setting "Allow Offline Access"; default true (see Auth0Settings). */
  allowOfflineAccess?: boolean;
  /** Access tokens in Auth0's RFC 9068 profile (`client_id`, `typ: at+jwt`); default off. */
  rfc9068AccessTokens?: boolean;
  /** Certificate and key (PEM); default: the dev certificate from ensureDevCertificate(). */
  tls?: { cert: string; key: string };
  /** Where "code for x@y: 123456" lines go; default console.log. */
  log?: (line: string) => void;
  /**
   * The emulator's clock in epoch milliseconds (codes, tokens, reuse interval, request log);
   * default Date.now.
   */
  now?: () => number;
}

export interface Auth0Emulator {
  /** https://localhost:PORT (no trailing slash). */
  url: string;
  port: number;
  /** localhost:PORT — what the `auth0` SDK takes as `domain`. */
  domain: string;
  /** https://localhost:PORT/ — the `iss` of every token. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  stop(): Promise<void>;
  /** Sent codes, newest first; `email` matches case-insensitively. */
  outbox(email?: string): OutboxMessage[];
  /** Every non-control request, oldest first. */
  requests(): LoggedRequest[];
  setFaults(spec: FaultSpec): void;
  clearFaults(): void;
  /**
   * Forgets users, codes, refresh tokens, the outbox, faults, the request log and the
   * applications createApplication() made (keys, settings and the seeded applications stay).
   */
  reset(): void;
  /**
   * A Machine-to-Machine application with the client-credentials grant and a client grant
   * for the tenant's API with `scopes`, as `POST /__emulator/applications` makes one.
   */
  createApplication(spec: ApplicationSpec): { clientId: string; clientSecret: string };
  /** The tenant's applications (without secrets). */
  applications(): ApplicationInfo[];
  /**
   * Promotes the already-published next key to signing key and publishes a new next key; the
   * keys that signed before stay in the JWKS unless `retirePrevious`. Returns the new signing kid.
   */
  rotateKeys(opts?: { retirePrevious?: boolean }): { kid: string };
  /** The kid of the key that signs now. */
  signingKid(): string;
  /**
   * Signs arbitrary claims with the current key (RS256, current kid), for tests that need
   * tokens the real service would never issue: wrong issuer, wrong audience, expired.
   */
  signToken(claims: Record<string, unknown>): string;
  /**
   * Changes tenant settings, validated as `PUT /__emulator/settings` does (throws on an unknown
   * setting or a wrong type or range); settings survive reset().
   */
  configure(settings: Partial<Auth0Settings>): void;
  /**
   * Blocks or unblocks a user, as `PUT /__emulator/users` does: a blocked user's logins and
   * refreshes answer 401 `unauthorized` "user is blocked". Forgotten by reset().
   */
  setUser(patch: UserPatch): void;
  /** A copy of the current settings, as `GET /__emulator/settings` shows them. */
  settings(): Auth0Settings;
  /**
   * The user id (`sub`) of an address, creating the user as its first login would: for tests
   * that sign their own access tokens for a real user (so /userinfo knows them).
   */
  ensureUser(email: string): string;
}

/** A parsed value, or an Error naming the emulator (for the programmatic API). */
function checked<T>(parsed: T | string): T {
  if (typeof parsed === 'string') throw new Error(`Auth0 emulator: ${parsed}`);
  return parsed;
}

export async function startAuth0Emulator(opts: Auth0EmulatorOptions = {}): Promise<Auth0Emulator> {
  const d = AUTH0_EMULATOR_DEFAULTS;
  const now = opts.now ?? systemClock;
  const settings = checked(
    parseSettings({
      accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? d.accessTokenTtlSeconds,
      idTokenTtlSeconds: opts.idTokenTtlSeconds ?? d.idTokenTtlSeconds,
      codeTtlSeconds: opts.codeTtlSeconds ?? d.codeTtlSeconds,
      codeLength: opts.codeLength ?? d.codeLength,
      refreshReuseIntervalSeconds:
        opts.refreshReuseIntervalSeconds ?? d.refreshReuseIntervalSeconds,
      revocationDeletesGrant: opts.revocationDeletesGrant ?? d.revocationDeletesGrant,
      allowOfflineAccess: opts.allowOfflineAccess ?? d.allowOfflineAccess,
      rfc9068AccessTokens: opts.rfc9068AccessTokens ?? d.rfc9068AccessTokens,
    }),
  ) as Auth0Settings;
  const tls = opts.tls ?? (await ensureDevCertificate());
  const log = opts.log ?? ((line: string) => console.log(line));
  // Filled in once listening; handlers only run after that.
  let issuer = '';
  const clientId = opts.clientId ?? d.clientId;
  const clientSecret = opts.clientSecret ?? d.clientSecret;
  const applications = new Applications([
    {
      clientId,
      clientSecret,
      name: 'Portcullis (Regular Web Application)',
      grantTypes: [PASSWORDLESS_OTP_GRANT, 'refresh_token'],
      scopes: undefined,
      seeded: true,
    },
    {
      ...SERVICE_APPLICATION,
      grantTypes: ['client_credentials'],
      scopes: [...SERVICE_APPLICATION.scopes],
      seeded: true,
    },
  ]);
  const tenant: Auth0Tenant = {
    clientId,
    clientSecret,
    audience: opts.audience ?? d.audience,
    applications,
    settings,
    store: new Auth0Store(now, settings),
    keys: new KeyRing(),
    now,
    log,
    issuer: () => issuer,
  };

  const service = new RouteTable();
  for (const family of [
    passwordlessStartRoutes,
    tokenRoutes,
    revokeRoutes,
    userinfoRoutes,
    discoveryRoutes,
  ])
    family(service, tenant);
  const controls = new RouteTable();
  auth0Controls(controls, tenant);

  const core = createEmulatorCore({
    now,
    service,
    controls,
    resetState: () => {
      tenant.store.reset();
      applications.reset();
    },
    answerFault: ({ res }, status, spec) => sendAuth0Error(res, faultError(status, now(), spec)),
    notFound: (ctx) => refuse(ctx, new Auth0Error(404, 'not_found', 'Not Found')),
    methodNotAllowed: ({ res }, allow) =>
      sendJson(
        res,
        405,
        { error: 'method_not_allowed', error_description: 'Method Not Allowed' },
        { allow: allow.join(', ') },
      ),
    serviceError: (ctx, err) => {
      if (!(err instanceof Auth0Error)) return false;
      refuse(ctx, err);
      return true;
    },
    internalError: (res, err) => {
      try {
        log(
          `[auth0-emulator] internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
      } catch {
        // a broken log sink must not turn a 500 into a crash
      }
      sendJson(res, 500, { error: 'server_error', error_description: 'Internal Server Error' });
    },
  });

  const server = https.createServer({ cert: tls.cert, key: tls.key }, core.handler);
  const listening = await listen(server, {
    port: opts.port ?? d.port,
    host: opts.host ?? d.host,
    protocol: 'https',
  });
  issuer = `${listening.url}/`;

  return {
    url: listening.url,
    port: listening.port,
    domain: `localhost:${listening.port}`,
    issuer,
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
    audience: tenant.audience,
    stop: () => listening.stop(),
    outbox: (email) => tenant.store.outbox(email),
    requests: () => core.requestLog.list(),
    setFaults: (spec) => core.faults.set(spec),
    clearFaults: () => core.faults.clear(),
    reset: core.reset,
    rotateKeys: (o) => tenant.keys.rotate(o?.retirePrevious === true),
    signingKid: () => tenant.keys.currentKid,
    signToken: (claims) => tenant.keys.sign(claims),
    configure: (patch) => {
      Object.assign(settings, checked(parseSettings(patch)));
    },
    setUser: (patch) => {
      const parsed = checked(parseUserPatch({ ...patch }));
      tenant.store.setBlocked(parsed.email, parsed.blocked);
    },
    settings: () => ({ ...settings }),
    ensureUser: (email) => tenant.store.ensureUser(email).user_id,
    createApplication: (spec) => {
      const app = applications.create(checked(parseApplication({ ...spec })));
      return { clientId: app.clientId, clientSecret: app.clientSecret };
    },
    applications: () => applications.list(),
  };
}
