// A local stand-in for the parts of Auth0's Authentication API that Portcullis uses: email
// passwordless (`/passwordless/start` + the passwordless OTP grant), refresh-token rotation,
// revocation, /userinfo, JWKS and OIDC discovery. HTTPS only, because the `auth0` SDK always calls
// `https://${domain}` (see ../tls.ts). Every mirrored behaviour names its Auth0 source; where
// Auth0 does not document a detail, the comment says the emulator's choice.
// Reference: https://auth0.com/docs/api/authentication and docs/upstream.md.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import https from 'node:https';
import {
  BodyError,
  Faults,
  MAX_BODY_BYTES,
  RequestLog,
  listen,
  parseFaultSpec,
  readFields,
  safeHandler,
  sendEmpty,
  sendJson,
  str,
  type FaultSpec,
  type Fields,
  type LoggedRequest,
  type Req,
  type Res,
} from '../http.js';
import { ensureDevCertificate } from '../tls.js';
import { KeyRing, type PublicJwk } from './keys.js';
import { Auth0Store, type Auth0Settings, type OutboxMessage, type User } from './store.js';

export type { Auth0Settings, OutboxMessage, PublicJwk };

/** The grant type of the passwordless OTP flow (https://auth0.com/docs/api/authentication/passwordless/authenticate-user). */
export const PASSWORDLESS_OTP_GRANT = 'http://auth0.com/oauth/grant-type/passwordless/otp';

export const AUTH0_EMULATOR_DEFAULTS = {
  port: 4010,
  host: '127.0.0.1',
  clientId: 'portcullis-dev',
  clientSecret: 'portcullis-dev-secret',
  audience: 'https://api.portcullis.test',
  accessTokenTtlSeconds: 86_400,
  idTokenTtlSeconds: 36_000,
  codeTtlSeconds: 180,
  refreshReuseIntervalSeconds: 0,
  revocationDeletesGrant: false,
  allowOfflineAccess: true,
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
  refreshReuseIntervalSeconds?: number;
  /** The tenant setting "Refresh Token Revocation Deletes Grant"; default false (see Auth0Settings). */
  revocationDeletesGrant?: boolean;
  /** The API setting "Allow Offline Access"; default true (see Auth0Settings). */
  allowOfflineAccess?: boolean;
  /** Certificate and key (PEM); default: the dev certificate from ensureDevCertificate(). */
  tls?: { cert: string; key: string };
  /** Where "code for x@y: 123456" lines go; default console.log. */
  log?: (line: string) => void;
  /** The emulator's clock in epoch milliseconds (codes, tokens, reuse interval); default Date.now. */
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
  /** Forgets users, codes, refresh tokens, the outbox, faults and the request log (keys and settings stay). */
  reset(): void;
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

/** An error answered in Auth0's shape: `{ error, error_description }`. */
class Auth0Error extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** How each setting is validated: integers within limits, or booleans. */
type SettingRule<V> = [V] extends [boolean]
  ? { type: 'boolean' }
  : { type: 'integer'; min: number; max: number };

const SETTING_RULES: { [K in keyof Auth0Settings]: SettingRule<Auth0Settings[K]> } = {
  accessTokenTtlSeconds: { type: 'integer', min: 1, max: 2_592_000 },
  idTokenTtlSeconds: { type: 'integer', min: 1, max: 2_592_000 },
  codeTtlSeconds: { type: 'integer', min: 1, max: 86_400 },
  refreshReuseIntervalSeconds: { type: 'integer', min: 0, max: 86_400 },
  revocationDeletesGrant: { type: 'boolean' },
  allowOfflineAccess: { type: 'boolean' },
};

export interface UserPatch {
  email: string;
  blocked: boolean;
}

/** Validates a `PUT /__emulator/users` body; returns an error message or the patch. */
export function parseUserPatch(fields: Record<string, unknown>): UserPatch | string {
  const { email, blocked, ...rest } = fields;
  const extra = Object.keys(rest);
  if (extra.length) return `unknown field ${extra[0]}`;
  if (typeof email !== 'string' || !plausibleEmail(email.trim()))
    return 'email must be an email address';
  if (typeof blocked !== 'boolean') return 'blocked must be a boolean (true or false)';
  return { email: email.trim().toLowerCase(), blocked };
}

/** Validates a settings patch; returns an error message or the patch. */
export function parseSettings(fields: Record<string, unknown>): Partial<Auth0Settings> | string {
  const out: Record<string, number | boolean> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(SETTING_RULES, name)) return `unknown setting ${name}`;
    const rule = SETTING_RULES[name as keyof Auth0Settings];
    if (rule.type === 'boolean') {
      if (typeof value !== 'boolean')
        return `${name} must be a boolean (true or false), not ${typeName(value)}`;
    } else if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < rule.min ||
      value > rule.max
    ) {
      return `${name} must be an integer between ${rule.min} and ${rule.max}`;
    }
    out[name] = value;
  }
  return out;
}

/**
 * A plausible email address: one `@`, a non-empty local part, a dotted domain, no whitespace
 * or control characters, at most 254 characters. Written without a regular expression so a
 * long hostile value cannot make it backtrack.
 */
export function plausibleEmail(value: string): boolean {
  if (value.length > 254 || /[\s\p{Cc}]/u.test(value)) return false;
  const at = value.indexOf('@');
  if (at <= 0 || at !== value.lastIndexOf('@')) return false;
  const domain = value.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  return dot > 0 && dot < domain.length - 1 && !domain.includes('..');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function scopes(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(/\s+/).filter(Boolean))];
}

/**
 * The user's standard OIDC claims a scope releases, shared by the ID token and /userinfo so the
 * two always agree: `name` / `nickname` / `updated_at` with `profile`, `email` /
 * `email_verified` with `email`. `updated_at` is the emulator's choice: the time the token was
 * issued (`iatSeconds`), as it keeps no profile history.
 * Source: https://auth0.com/docs/get-started/apis/scopes/openid-connect-scopes.
 */
function profileClaims(user: User, scope: string[], iatSeconds: number): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scope.includes('profile')) {
    claims.nickname = user.email.split('@')[0];
    claims.name = user.email;
    claims.updated_at = new Date(iatSeconds * 1000).toISOString();
  }
  if (scope.includes('email')) {
    claims.email = user.email;
    claims.email_verified = true;
  }
  return claims;
}

/**
 * Auth0's answer to a blocked user at the token endpoint: 401 `unauthorized` "user is blocked"
 * (Authentication API errors for /oauth/token; the same `error_description` Auth0 puts in the
 * redirect of a blocked user's login, https://auth0.com/docs/manage-users/user-accounts/block-and-unblock-users).
 */
const blockedUser = () => new Auth0Error(401, 'unauthorized', 'user is blocked');

/**
 * Auth0-shaped bodies for injected faults. Rate limiting answers 429 `too_many_requests`
 * with only the headers Auth0 documents: `x-ratelimit-limit`, `x-ratelimit-remaining` and
 * `x-ratelimit-reset` (epoch seconds when the bucket refills); Auth0 does not document
 * `Retry-After`, so the emulator does not send one
 * (https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy).
 * Other statuses get the OAuth error code closest to them
 * (https://auth0.com/docs/api/authentication#standard-error-responses).
 */
function faultError(status: number, nowMs: number, spec: FaultSpec = {}): Auth0Error {
  const base = faultDefault(status, nowMs);
  // A named error (e.g. 403 mfa_required, 429 too_many_attempts) keeps the status's headers.
  return spec.error
    ? new Auth0Error(status, spec.error, spec.description ?? base.description, base.headers)
    : base;
}

function faultDefault(status: number, nowMs: number): Auth0Error {
  switch (status) {
    case 429: {
      const retryAfter = 30;
      return new Auth0Error(429, 'too_many_requests', 'Too Many Requests', {
        'x-ratelimit-limit': '50',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(nowMs / 1000) + retryAfter),
      });
    }
    case 503:
      return new Auth0Error(
        503,
        'temporarily_unavailable',
        'The service is temporarily unavailable. Please try again later.',
      );
    case 401:
      return new Auth0Error(401, 'access_denied', 'Unauthorized');
    case 403:
      return new Auth0Error(403, 'access_denied', 'Forbidden');
    case 404:
      return new Auth0Error(404, 'not_found', 'Not Found');
    default:
      return status >= 500
        ? new Auth0Error(status, 'server_error', 'Internal Server Error')
        : new Auth0Error(status, 'invalid_request', 'Bad Request');
  }
}

type Handler = (req: Req, res: Res, url: URL) => Promise<void> | void;

export async function startAuth0Emulator(opts: Auth0EmulatorOptions = {}): Promise<Auth0Emulator> {
  const d = AUTH0_EMULATOR_DEFAULTS;
  const clientId = opts.clientId ?? d.clientId;
  const clientSecret = opts.clientSecret ?? d.clientSecret;
  const audience = opts.audience ?? d.audience;
  const log = opts.log ?? ((line: string) => console.log(line));
  const now = opts.now ?? Date.now;
  const initial = parseSettings({
    accessTokenTtlSeconds: opts.accessTokenTtlSeconds ?? d.accessTokenTtlSeconds,
    idTokenTtlSeconds: opts.idTokenTtlSeconds ?? d.idTokenTtlSeconds,
    codeTtlSeconds: opts.codeTtlSeconds ?? d.codeTtlSeconds,
    refreshReuseIntervalSeconds: opts.refreshReuseIntervalSeconds ?? d.refreshReuseIntervalSeconds,
    revocationDeletesGrant: opts.revocationDeletesGrant ?? d.revocationDeletesGrant,
    allowOfflineAccess: opts.allowOfflineAccess ?? d.allowOfflineAccess,
  });
  if (typeof initial === 'string') throw new Error(`Auth0 emulator: ${initial}`);
  const settings = initial as Auth0Settings;
  const tls = opts.tls ?? (await ensureDevCertificate());

  const keys = new KeyRing();
  const store = new Auth0Store(now, settings);
  const faults = new Faults();
  const requestLog = new RequestLog();
  // Filled in once listening; handlers only run after that.
  let issuer = '';

  const configure = (patch: Partial<Auth0Settings>) => {
    const parsed = parseSettings(patch);
    if (typeof parsed === 'string') throw new Error(`Auth0 emulator: ${parsed}`);
    Object.assign(settings, parsed);
  };
  const reset = () => {
    store.reset();
    faults.clear();
    requestLog.clear();
  };

  // ---- request helpers -------------------------------------------------------------------

  /**
   * Reads a JSON or form body. Malformed bodies answer 400 in Auth0's shape with `code`
   * (`bad.request` on /passwordless/start, `invalid_request` on /oauth/*).
   */
  async function body(req: Req, code: string): Promise<Fields> {
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > MAX_BODY_BYTES)
      throw new Auth0Error(400, code, `Request body larger than ${MAX_BODY_BYTES} bytes`);
    try {
      return await readFields(req, ['json', 'form']);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      const description = {
        too_large: `Request body larger than ${MAX_BODY_BYTES} bytes`,
        bad_json: 'Invalid JSON body',
        not_an_object: 'Request body must be a JSON object',
        unsupported_media_type: `Unsupported content type: ${req.headers['content-type'] ?? '(none)'}; use application/json or application/x-www-form-urlencoded`,
      }[err.reason];
      throw new Auth0Error(400, code, description);
    }
  }

  /**
   * Client authentication for a confidential (Regular Web) application: `client_secret_post`
   * (what the SDK sends) or `client_secret_basic`. A wrong or missing secret, or an unknown
   * client, is 401 `access_denied` "Unauthorized".
   * Source: https://auth0.com/docs/api/authentication#standard-error-responses and
   * https://auth0.com/docs/troubleshoot/product-lifecycle/past-migrations/migrate-to-passwordless
   * (/passwordless/start requires the client secret from Regular Web Applications).
   */
  function authenticateClient(req: Req, fields: Fields): string {
    let id = str(fields, 'client_id');
    let secret = str(fields, 'client_secret');
    const authz = req.headers.authorization;
    if (authz?.toLowerCase().startsWith('basic ')) {
      const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) {
        try {
          id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
          secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
        } catch {
          id = undefined;
        }
      }
    }
    if (!id || id !== clientId || !secret || !sameSecret(secret, clientSecret)) {
      throw new Auth0Error(401, 'access_denied', 'Unauthorized');
    }
    return id;
  }

  /** A required /oauth parameter: missing or empty is 400 `invalid_request` (RFC 6749 §5.2). */
  function required(fields: Fields, name: string): string {
    const value = fields[name];
    if (value === undefined || value === null || value === '')
      throw new Auth0Error(400, 'invalid_request', `Missing required parameter: ${name}`);
    if (typeof value !== 'string')
      throw new Auth0Error(400, 'invalid_request', `Invalid parameter: ${name} must be a string`);
    return value;
  }

  function optional(fields: Fields, name: string): string | undefined {
    const value = fields[name];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string')
      throw new Auth0Error(400, 'invalid_request', `Invalid parameter: ${name} must be a string`);
    return value;
  }

  // ---- tokens ------------------------------------------------------------------------------

  /**
   * The token response. Access token: RS256 JWT with `kid`, `iss` (trailing slash), `sub`,
   * `aud` = [audience, iss + "userinfo"] when `openid` was requested, `azp`, `scope`, `iat`,
   * `exp`; without an audience Auth0 returns an opaque access token (the emulator: 32
   * characters). ID token when `openid` was requested: `aud` = client id, `sid`, `email` /
   * `email_verified` with the `email` scope, `name` / `nickname` / `updated_at` with `profile`,
   * `nonce` when one was sent. Refresh token with `offline_access`.
   * Sources: https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles,
   * https://auth0.com/docs/secure/tokens/id-tokens/id-token-structure,
   * https://auth0.com/docs/get-started/apis/scopes/openid-connect-scopes,
   * https://auth0.com/docs/secure/tokens/refresh-tokens/get-refresh-tokens.
   */
  function tokenResponse(args: {
    user: User;
    scope: string[];
    audience: string | undefined;
    sid: string;
    refreshToken: string | undefined;
    nonce: string | undefined;
  }): Record<string, unknown> {
    const iat = Math.floor(now() / 1000);
    const openid = args.scope.includes('openid');
    const scope = args.scope.join(' ');
    const accessToken = args.audience
      ? keys.sign({
          iss: issuer,
          sub: args.user.user_id,
          aud: openid ? [args.audience, `${issuer}userinfo`] : args.audience,
          iat,
          exp: iat + settings.accessTokenTtlSeconds,
          scope,
          azp: clientId,
        })
      : randomBytes(24).toString('base64url');
    const out: Record<string, unknown> = { access_token: accessToken };
    if (openid) {
      out.id_token = keys.sign({
        ...profileClaims(args.user, args.scope, iat),
        iss: issuer,
        aud: clientId,
        sub: args.user.user_id,
        iat,
        exp: iat + settings.idTokenTtlSeconds,
        sid: args.sid,
        ...(args.nonce !== undefined ? { nonce: args.nonce } : {}),
      });
    }
    if (args.refreshToken) out.refresh_token = args.refreshToken;
    if (scope) out.scope = scope;
    out.expires_in = settings.accessTokenTtlSeconds;
    out.token_type = 'Bearer';
    return out;
  }

  /**
   * `grant_type=http://auth0.com/oauth/grant-type/passwordless/otp`.
   * Source: https://auth0.com/docs/api/authentication/passwordless/authenticate-user and
   * https://auth0.com/docs/authenticate/passwordless/implement-login/embedded-login/relevant-api-endpoints.
   * Errors 403 `invalid_grant` with the descriptions Auth0 returns (support article
   * "Passwordless Email Login Attempts Maximum Exceeded"; docs/upstream.md).
   */
  function otpGrant(fields: Fields, client: string): Record<string, unknown> {
    const realm = required(fields, 'realm');
    const username = required(fields, 'username');
    const otp = required(fields, 'otp');
    // Emulator's wording: the tenant has only the `email` passwordless connection.
    if (realm !== 'email') throw new Auth0Error(400, 'invalid_request', `Unknown realm: ${realm}`);
    const requestedAudience = optional(fields, 'audience');
    // Source: Auth0 answers an audience that names no API with access_denied
    // "Service not found: <audience>" (seen e.g. in github.com/auth0-samples/auth0-python-web-app
    // issue #18); 403 as for the other token-endpoint refusals.
    if (requestedAudience !== undefined && requestedAudience !== audience)
      throw new Auth0Error(403, 'access_denied', `Service not found: ${requestedAudience}`);
    const scope = scopes(optional(fields, 'scope'));
    const outcome = store.verifyOtp(username, otp);
    if (!outcome.ok) {
      if (outcome.reason === 'blocked') throw blockedUser();
      const description = {
        wrong: 'Wrong email or verification code.',
        expired: 'The verification code has expired. Please try to login again.',
        too_many_attempts:
          "You've reached the maximum number of attempts. Please try to login again.",
      }[outcome.reason];
      throw new Auth0Error(403, 'invalid_grant', description);
    }
    let refreshToken: string | undefined;
    let sid: string;
    if (scope.includes('offline_access') && settings.allowOfflineAccess) {
      ({ refreshToken, sid } = store.startFamily(
        outcome.user,
        scope.join(' '),
        requestedAudience,
        client,
      ));
    } else {
      sid = store.newSid();
    }
    return tokenResponse({
      user: outcome.user,
      scope,
      audience: requestedAudience,
      sid,
      refreshToken,
      nonce: optional(fields, 'nonce'),
    });
  }

  /**
   * `grant_type=refresh_token` with rotation. Reuse outside the reuse interval revokes the
   * family; unknown, revoked and reused tokens all answer 403 `invalid_grant`
   * "Unknown or invalid refresh token.". An optional `scope` can only narrow the original.
   * Source: https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation,
   * https://auth0.com/docs/secure/tokens/refresh-tokens/use-refresh-tokens.
   */
  function refreshGrant(fields: Fields, client: string): Record<string, unknown> {
    const token = required(fields, 'refresh_token');
    const narrowed = optional(fields, 'scope');
    const outcome = store.useRefresh(token, client);
    if (!outcome.ok && outcome.blocked) throw blockedUser();
    if (!outcome.ok)
      throw new Auth0Error(403, 'invalid_grant', 'Unknown or invalid refresh token.');
    const original = scopes(outcome.scope);
    const scope =
      narrowed === undefined ? original : scopes(narrowed).filter((s) => original.includes(s));
    return tokenResponse({
      user: outcome.user,
      scope,
      audience: outcome.audience,
      sid: outcome.sid,
      refreshToken: outcome.refreshToken,
      nonce: undefined,
    });
  }

  // ---- service routes ----------------------------------------------------------------------

  /** Properties /passwordless/start accepts (https://auth0.com/docs/api/authentication/passwordless/get-code-or-link). */
  const START_PROPERTIES = new Set([
    'client_id',
    'client_secret',
    'client_assertion',
    'client_assertion_type',
    'connection',
    'email',
    'phone_number',
    'send',
    'authParams',
  ]);

  /**
   * POST /passwordless/start. Error codes follow Auth0's "Errors > POST /passwordless/start"
   * (https://auth0.com/docs/api/authentication#get-code-or-link): `bad.client_id`,
   * `bad.connection` ("Connection does not exist"), `bad.email`, `bad.send`, `bad.request`
   * for unknown properties; 401 for client authentication.
   */
  const passwordlessStart: Handler = async (req, res) => {
    const fields = await body(req, 'bad.request');
    const extra = Object.keys(fields).filter((k) => !START_PROPERTIES.has(k));
    if (extra.length)
      throw new Auth0Error(
        400,
        'bad.request',
        `the following properties are not allowed: ${extra.join(', ')}`,
      );
    if (fields.client_id === undefined || fields.client_id === '')
      throw new Auth0Error(400, 'bad.client_id', 'Missing required property: client_id');
    authenticateClient(req, fields);
    const connection = fields.connection;
    if (connection === undefined || connection === '')
      throw new Auth0Error(400, 'bad.connection', 'Missing required property: connection');
    if (connection !== 'email')
      throw new Auth0Error(400, 'bad.connection', 'Connection does not exist');
    const send = fields.send;
    if (send === undefined || send === null || send === 'link')
      // Auth0 sends a magic link when `send` is absent; the emulator only does codes.
      throw new Auth0Error(
        400,
        'bad.send',
        'The Auth0 emulator only sends codes (send: "code"); links are not supported',
      );
    if (send !== 'code')
      throw new Auth0Error(
        400,
        'bad.send',
        `error in send - No enum match for: ${JSON.stringify(send)}`,
      );
    if (fields.authParams !== undefined && typeName(fields.authParams) !== 'object')
      throw new Auth0Error(
        400,
        'bad.authParams',
        `error in authParams - invalid type: ${typeName(fields.authParams)} (expected object)`,
      );
    const email = fields.email;
    if (email === undefined || email === '')
      throw new Auth0Error(400, 'bad.email', 'Missing required property: email');
    if (typeof email !== 'string')
      throw new Auth0Error(
        400,
        'bad.email',
        `error in email - invalid type: ${typeName(email)} (expected string)`,
      );
    if (!plausibleEmail(email))
      throw new Auth0Error(
        400,
        'bad.email',
        `error in email - email format validation failed: ${email}`,
      );
    const message = store.startEmail(email);
    log(`[auth0-emulator] code for ${message.to}: ${message.code}`);
    sendJson(res, 200, { _id: randomBytes(12).toString('hex'), email, email_verified: false });
  };

  /**
   * POST /oauth/token, form or JSON (https://auth0.com/docs/api/authentication). A missing
   * `grant_type` is 400 `invalid_request`; client authentication comes next (401); a grant the
   * tenant does not support is 403 `unsupported_grant_type` "Unsupported grant type: X"
   * (RFC 6749 §5.2 code; Auth0 answers token-endpoint grant errors with 403).
   */
  const token: Handler = async (req, res) => {
    const fields = await body(req, 'invalid_request');
    const grantType = required(fields, 'grant_type');
    const client = authenticateClient(req, fields);
    let result: Record<string, unknown>;
    if (grantType === PASSWORDLESS_OTP_GRANT) result = otpGrant(fields, client);
    else if (grantType === 'refresh_token') result = refreshGrant(fields, client);
    else
      throw new Auth0Error(403, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
    sendJson(res, 200, result, { pragma: 'no-cache' });
  };

  /**
   * POST /oauth/revoke: revokes the refresh token's family, or with `revocationDeletesGrant` on
   * every refresh token of that user, client and audience (Auth0Store.revoke); 200 with an empty
   * body, also for unknown tokens. Source: https://auth0.com/docs/api/authentication/revoke-refresh-token.
   */
  const revoke: Handler = async (req, res) => {
    const fields = await body(req, 'invalid_request');
    const client = authenticateClient(req, fields);
    store.revoke(required(fields, 'token'), client);
    sendEmpty(res, 200);
  };

  /**
   * GET /userinfo with `Authorization: Bearer <access token>`
   * (https://auth0.com/docs/api/authentication/user-profile/get-user-info). The token must be a
   * JWT access token this emulator issued with the `openid` scope: RS256 with a key still in the
   * JWKS, `iss` this tenant, `aud` including `<issuer>userinfo` (Auth0 adds that audience only
   * when `openid` is requested; community.auth0.com "The /userinfo endpoint returns 401"), not
   * expired by the emulator's clock (no leeway), and a `sub` the tenant still knows (a user
   * forgotten by reset is refused: the emulator's choice). The answer has `sub` and the claims
   * the token's scope releases, with the ID token's values (profileClaims). Anything else is
   * 401 with the text body `Unauthorized` and `WWW-Authenticate: Bearer error="invalid_token"`
   * (RFC 6750 §3.1; Auth0 answers this endpoint's 401 without a JSON body).
   * Not emulated: the opaque access tokens of logins without an audience, which Auth0 accepts
   * here; the emulator keeps no record of them, so they get 401.
   */
  const userinfo: Handler = (req, res) => {
    const claims = userinfoClaims(req.headers.authorization);
    if (!claims) {
      const text = 'Unauthorized';
      res.writeHead(401, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
        'www-authenticate': 'Bearer error="invalid_token"',
      });
      res.end(text);
      return;
    }
    sendJson(res, 200, claims);
  };

  function userinfoClaims(authorization: string | undefined): Record<string, unknown> | undefined {
    // RFC 6750 §2.1: `Bearer` (scheme case-insensitive, RFC 7235 §2.1) and one token.
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const payload = keys.verify(match[1]!);
    if (!payload || payload.iss !== issuer) return undefined;
    const aud = payload.aud;
    const audiences = Array.isArray(aud) ? aud : [aud];
    if (!audiences.includes(`${issuer}userinfo`)) return undefined;
    const { exp, iat, sub, scope } = payload;
    if (typeof exp !== 'number' || now() / 1000 >= exp) return undefined;
    if (typeof iat !== 'number' || typeof sub !== 'string') return undefined;
    if (scope !== undefined && typeof scope !== 'string') return undefined;
    const user = store.userById(sub);
    if (!user) return undefined;
    return { sub, ...profileClaims(user, scopes(scope), iat) };
  }

  /** Source: https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-sets. */
  const jwks: Handler = (_req, res) => {
    sendJson(res, 200, keys.jwks(), { 'cache-control': 'public, max-age=15' });
  };

  /**
   * Source: https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery.
   * Lists only what the emulator implements (the real document also has /authorize,
   * /oauth/device/code, ...).
   */
  const openidConfiguration: Handler = (_req, res) => {
    sendJson(
      res,
      200,
      {
        issuer,
        token_endpoint: `${issuer}oauth/token`,
        userinfo_endpoint: `${issuer}userinfo`,
        revocation_endpoint: `${issuer}oauth/revoke`,
        jwks_uri: `${issuer}.well-known/jwks.json`,
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        response_types_supported: ['token', 'id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        grant_types_supported: [PASSWORDLESS_OTP_GRANT, 'refresh_token'],
        claims_supported: [
          'aud',
          'auth_time',
          'email',
          'email_verified',
          'exp',
          'iat',
          'iss',
          'name',
          'nickname',
          'sid',
          'sub',
          'updated_at',
        ],
      },
      { 'cache-control': 'public, max-age=15' },
    );
  };

  const serviceRoutes: Record<string, Partial<Record<string, Handler>>> = {
    '/passwordless/start': { POST: passwordlessStart },
    '/oauth/token': { POST: token },
    '/oauth/revoke': { POST: revoke },
    '/userinfo': { GET: userinfo },
    '/.well-known/jwks.json': { GET: jwks },
    '/.well-known/openid-configuration': { GET: openidConfiguration },
  };

  // ---- control routes (no auth, no faults, not logged) --------------------------------------

  const controlError = (res: Res, status: number, error: string) =>
    sendJson(res, status, { error });

  async function controlFields(req: Req, res: Res): Promise<Fields | undefined> {
    try {
      return await readFields(req, ['json']);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      controlError(res, 400, err.message);
      return undefined;
    }
  }

  const controlRoutes: Record<string, Partial<Record<string, Handler>>> = {
    '/__emulator/outbox': {
      GET: (_req, res, url) => {
        const email = url.searchParams.get('email') ?? undefined;
        sendJson(res, 200, { messages: store.outbox(email || undefined) });
      },
    },
    '/__emulator/faults': {
      GET: (_req, res) => sendJson(res, 200, { faults: faults.current ?? null }),
      PUT: async (req, res) => {
        const fields = await controlFields(req, res);
        if (!fields) return;
        const spec = parseFaultSpec(fields);
        if (typeof spec === 'string') return controlError(res, 400, spec);
        faults.set(spec);
        sendJson(res, 200, { faults: spec });
      },
      DELETE: (_req, res) => {
        faults.clear();
        sendEmpty(res, 204);
      },
    },
    '/__emulator/reset': {
      POST: (_req, res) => {
        reset();
        sendEmpty(res, 204);
      },
    },
    '/__emulator/requests': {
      GET: (_req, res) => sendJson(res, 200, { requests: requestLog.list() }),
    },
    '/__emulator/keys/rotate': {
      POST: async (req, res) => {
        const fields = await controlFields(req, res);
        if (!fields) return;
        const retire = fields.retirePrevious;
        if (retire !== undefined && typeof retire !== 'boolean')
          return controlError(res, 400, 'retirePrevious must be a boolean');
        sendJson(res, 200, keys.rotate(retire === true));
      },
    },
    '/__emulator/users': {
      PUT: async (req, res) => {
        const fields = await controlFields(req, res);
        if (!fields) return;
        const parsed = parseUserPatch(fields);
        if (typeof parsed === 'string') return controlError(res, 400, parsed);
        store.setBlocked(parsed.email, parsed.blocked);
        sendJson(res, 200, { user: parsed });
      },
    },
    '/__emulator/settings': {
      GET: (_req, res) => sendJson(res, 200, { settings: { ...settings } }),
      PUT: async (req, res) => {
        const fields = await controlFields(req, res);
        if (!fields) return;
        const patch = parseSettings(fields);
        if (typeof patch === 'string') return controlError(res, 400, patch);
        Object.assign(settings, patch);
        sendJson(res, 200, { settings: { ...settings } });
      },
    },
  };

  // ---- dispatch ----------------------------------------------------------------------------

  const sendAuth0Error = (res: Res, err: Auth0Error) =>
    sendJson(
      res,
      err.status,
      { error: err.error, error_description: err.description },
      err.headers,
    );

  function methodNotAllowed(res: Res, allowed: string[], control: boolean) {
    const headers = { allow: allowed.join(', ') };
    if (control) return sendJson(res, 405, { error: 'method not allowed' }, headers);
    sendJson(
      res,
      405,
      { error: 'method_not_allowed', error_description: 'Method Not Allowed' },
      headers,
    );
  }

  const handler = safeHandler(
    async (req, res) => {
      const url = new URL(req.url ?? '/', 'https://emulator.invalid');
      const method = req.method ?? 'GET';
      if (url.pathname === '/__emulator' || url.pathname.startsWith('/__emulator/')) {
        const route = controlRoutes[url.pathname];
        if (!route) return controlError(res, 404, `no control route ${url.pathname}`);
        const fn = route[method];
        if (!fn) return methodNotAllowed(res, Object.keys(route), true);
        return await fn(req, res, url);
      }
      requestLog.record(req);
      if (
        await faults.apply(req, res, (r, status, spec) =>
          sendAuth0Error(r, faultError(status, now(), spec)),
        )
      )
        return;
      try {
        const route = serviceRoutes[url.pathname];
        if (!route) throw new Auth0Error(404, 'not_found', 'Not Found');
        const fn = route[method];
        if (!fn) return methodNotAllowed(res, Object.keys(route), false);
        await fn(req, res, url);
      } catch (err) {
        if (!(err instanceof Auth0Error)) throw err;
        // A request answered before its body was read: close rather than drain it.
        if (!req.complete) res.setHeader('connection', 'close');
        sendAuth0Error(res, err);
      }
    },
    (res, err) => {
      try {
        log(
          `[auth0-emulator] internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
      } catch {
        // a broken log sink must not turn a 500 into a crash
      }
      sendJson(res, 500, { error: 'server_error', error_description: 'Internal Server Error' });
    },
  );

  const server = https.createServer({ cert: tls.cert, key: tls.key }, handler);
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
    clientId,
    clientSecret,
    audience,
    stop: () => listening.stop(),
    outbox: (email) => store.outbox(email),
    requests: () => requestLog.list(),
    setFaults: (spec) => faults.set(spec),
    clearFaults: () => faults.clear(),
    reset,
    rotateKeys: (o) => keys.rotate(o?.retirePrevious === true),
    signingKid: () => keys.currentKid,
    signToken: (claims) => keys.sign(claims),
    configure,
    setUser: (patch) => {
      const parsed = parseUserPatch({ ...patch });
      if (typeof parsed === 'string') throw new Error(`Auth0 emulator: ${parsed}`);
      store.setBlocked(parsed.email, parsed.blocked);
    },
    settings: () => ({ ...settings }),
    ensureUser: (email) => store.ensureUser(email).user_id,
  };
}
