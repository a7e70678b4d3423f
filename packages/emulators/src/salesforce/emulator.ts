// Salesforce emulator: the slice of Salesforce's OAuth token endpoint and REST API that
// jsforce uses for an eligibility lookup, over plain HTTP (jsforce takes any instance_url).
//
//   POST /services/oauth2/token                     client credentials grant (form)
//   GET  /services/data/vNN.N/query?q=<SOQL>        strict SOQL subset (soql.ts)
//   GET  /services/data/vNN.N/queryAll?q=<SOQL>     the same (the emulator deletes nothing)
//   /__emulator/...                                 test and dev controls, no auth, no faults
//
// Sources, named where each behaviour is mirrored below:
// [CC]   OAuth 2.0 Client Credentials Flow for Server-to-Server Integration (Salesforce Help,
//        remoteaccess_oauth_client_credentials_flow.htm), incl. its sample token response.
// [ERR]  OAuth 2.0 Authorization Errors (Salesforce Help, remoteaccess_oauth_flow_errors.htm).
// [TOK]  Token response fields: OAuth 2.0 Username-Password / Web Server flow pages
//        (signature = Base64 HMAC-SHA256 over id + issued_at keyed with the client secret).
// [REST] REST API Developer Guide: Status Codes and Error Responses (errorcodes.htm),
//        Query (resources_query.htm), Versions (dome_versions.htm).
// [JSF]  @jsforce/jsforce-node 3.12.0: lib/oauth2.js, lib/connection.js, lib/http-api.js.
// The SOQL subset's sources are listed in soql.ts.
import { createHmac, randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import http from 'node:http';
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
import { toId18 } from './ids.js';
import { ApiUsage, parseLimits, type ApiLimits } from './limits.js';
import { SoqlError, parseSoql } from './soql.js';
import {
  RecordError,
  SalesforceStore,
  loadDefaultSeed,
  validateSeed,
  type SalesforceSeed,
} from './store.js';

export type { SalesforceSeed, SeedRecord, FieldValue } from './store.js';
export type { ApiLimits } from './limits.js';

export interface SalesforceEmulatorOptions {
  /** Default 4020; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default `portcullis-dev`. */
  clientId?: string;
  /** Default `portcullis-dev-secret`. */
  clientSecret?: string;
  /** Default: packages/emulators/seed/salesforce.json. Deep-copied; `reset()` restores it. */
  seed?: SalesforceSeed;
  /** Lifetime of issued access tokens; default 7200 (an org's default session timeout is 2 hours). */
  tokenTtlSeconds?: number;
  /** Receives one line per service request (method, path, status); no tokens or SOQL. */
  log?: (line: string) => void;
}

export interface SalesforceEmulator {
  /** Base URL, `http://localhost:<port>`: both the login URL and the instance URL. */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Service requests seen so far (not control requests), oldest first. */
  requests(): LoggedRequest[];
  setFaults(spec: FaultSpec): void;
  clearFaults(): void;
  /** Restores the seed and forgets tokens, faults, the request log and API usage (not the allocation). */
  reset(): void;
  /**
   * Sets the daily API allocation and/or the usage so far, as `PUT /__emulator/limits` does
   * (throws on a wrong value). Past the allocation REST calls answer 403 REQUEST_LIMIT_EXCEEDED.
   */
  setLimits(patch: Partial<ApiLimits>): void;
  /** The allocation and usage, as `Sforce-Limit-Info` reports them. */
  limits(): ApiLimits;
  /** Every access token issued so far stops working (401 INVALID_SESSION_ID). */
  expireTokens(): void;
  /** Creates a Contact; returns its 18-character id. Throws on unknown fields or wrong types. */
  createContact(fields: Record<string, unknown>): string;
  /** Updates a Contact by 15- or 18-character id. Throws on an unknown id or field. */
  updateContact(id: string, fields: Record<string, unknown>): void;
}

/** Versions the emulator answers: the ones not retired (31.0+) up to Spring '26 (66.0). [REST] */
export const MIN_API_VERSION = 31;
export const MAX_API_VERSION = 66;

/** The org and the client-credentials run-as user every token belongs to. */
const ORG_ID = toId18('00D5g0000EMULAT');
const USER_ID = toId18('0055g0000EMULAT');

/** At most this many live tokens are kept; the oldest are forgotten first. */
const MAX_TOKENS = 10_000;

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

type SfError = { message: string; errorCode: string };

/** REST API errors are a JSON array of `{ message, errorCode }`. [REST] */
function sendSfError(
  res: Res,
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body: SfError[] = [{ message, errorCode }];
  sendJson(res, status, body, headers);
}

/** OAuth endpoint errors are `{ error, error_description }` (400 for request errors). [ERR] */
function sendOAuthError(res: Res, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

function unexpectedErrorMessage(): string {
  // Salesforce's wording for an internal error. [REST]
  const errorId = `${randomBytes(4).readUInt32BE()}-${randomBytes(2).readUInt16BE()} (${randomBytes(4).readInt32BE()})`;
  return `An unexpected error occurred. Please include this ErrorId if you contact support: ${errorId}`;
}

/** The REST API's error for an injected fault status. */
function dataFault(res: Res, status: number, spec: FaultSpec = {}): void {
  if (spec.error)
    return sendSfError(
      res,
      status,
      spec.error,
      spec.description ?? `emulated fault (status ${status})`,
    );
  switch (status) {
    case 401:
      return sendSfError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    case 403:
      return sendSfError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    case 404:
      return sendSfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    case 405:
      return sendSfError(res, 405, 'METHOD_NOT_ALLOWED', 'HTTP Method not allowed');
    case 429:
      return sendSfError(
        res,
        429,
        'REQUEST_LIMIT_EXCEEDED',
        'ConcurrentPerOrgLongTxn Limit exceeded.',
      );
    case 500:
      return sendSfError(res, 500, 'UNKNOWN_EXCEPTION', unexpectedErrorMessage());
    default:
      if (status >= 500) {
        return sendSfError(
          res,
          status,
          'SERVER_UNAVAILABLE',
          'Server temporarily unavailable, please try again later',
        );
      }
      return sendSfError(res, status, 'INVALID_OPERATION', `emulated fault (status ${status})`);
  }
}

/** The token endpoint's error for an injected fault status. [ERR] */
function tokenFault(res: Res, status: number): void {
  if (status === 400) return sendOAuthError(res, 400, 'invalid_request', 'emulated fault');
  if (status === 401)
    return sendOAuthError(res, 401, 'invalid_client', 'invalid client credentials');
  if (status === 403 || status === 429)
    return sendOAuthError(res, status, 'rate_limit_exceeded', 'rate limit exceeded');
  // Salesforce's token endpoint answers transient failures with this pair.
  return sendOAuthError(res, status, 'unknown_error', 'retry your request');
}

/** Constant-time comparison of two strings of any length. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Splits `req.url` without URL resolution (a path like `//x` must stay a path). An
 * absolute-form target (`GET http://host/path`, RFC 9112 section 3.2.2) routes by its path.
 */
function splitUrl(target: string): { path: string; search: string } {
  let raw = target;
  const scheme = raw.startsWith('http://') ? 7 : raw.startsWith('https://') ? 8 : 0;
  if (scheme) {
    const slash = raw.indexOf('/', scheme);
    const query = raw.indexOf('?', scheme);
    const cut = slash < 0 ? query : query < 0 ? slash : Math.min(slash, query);
    raw = cut < 0 ? '/' : raw[cut] === '?' ? `/${raw.slice(cut)}` : raw.slice(cut);
  }
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, search: '' } : { path: raw.slice(0, q), search: raw.slice(q + 1) };
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function declaredLength(req: Req): number | undefined {
  const v = req.headers['content-length'];
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

/** `vNN.N` within the supported range, or undefined. [REST] Versions are always `NN.0`. */
function parseVersion(segment: string | undefined): string | undefined {
  if (!segment || segment[0] !== 'v') return undefined;
  const body = segment.slice(1);
  const dot = body.indexOf('.');
  if (dot < 1 || body.length !== dot + 2) return undefined;
  const major = body.slice(0, dot);
  const minor = body.slice(dot + 1);
  if (major[0] === '0' || ![...major].every((c) => c >= '0' && c <= '9') || minor !== '0')
    return undefined;
  const n = Number(major);
  if (n < MIN_API_VERSION || n > MAX_API_VERSION) return undefined;
  return body;
}

export async function startSalesforceEmulator(
  opts: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const clientId = opts.clientId ?? 'portcullis-dev';
  const clientSecret = opts.clientSecret ?? 'portcullis-dev-secret';
  const tokenTtlMs = (opts.tokenTtlSeconds ?? 7200) * 1000;
  const store = new SalesforceStore(opts.seed ? validateSeed(opts.seed) : loadDefaultSeed());
  const faults = new Faults();
  const requestLog = new RequestLog();
  const usage = new ApiUsage();
  /** access token -> expiry (ms since epoch) */
  let tokens = new Map<string, number>();
  let baseUrl = '';

  const issueToken = (): string => {
    // Real tokens read `<org id 15>!<opaque>`.
    const token = `${ORG_ID.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    tokens.set(token, Date.now() + tokenTtlMs);
    while (tokens.size > MAX_TOKENS) tokens.delete(tokens.keys().next().value!);
    return token;
  };

  const tokenValid = (req: Req): boolean => {
    // `Authorization: Bearer <token>`; the REST API also takes the older `OAuth <token>`. [REST]
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const space = header.indexOf(' ');
    if (space < 0) return false;
    const scheme = header.slice(0, space).toLowerCase();
    const token = header.slice(space + 1).trim();
    if (scheme !== 'bearer' && scheme !== 'oauth') return false;
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined) return false;
    if (Date.now() >= expiresAt) {
      tokens.delete(token);
      return false;
    }
    return true;
  };

  // --- POST /services/oauth2/token ------------------------------------------------------

  async function handleToken(req: Req, res: Res): Promise<void> {
    if (req.method !== 'POST') {
      // A GET to the token endpoint. [ERR]
      return sendOAuthError(res, 400, 'invalid_request', 'must use HTTP POST');
    }
    if ((declaredLength(req) ?? 0) > MAX_BODY_BYTES) {
      res.setHeader('connection', 'close');
      return sendOAuthError(res, 400, 'invalid_request', 'request body too large');
    }
    let fields: Fields;
    try {
      fields = await readFields(req, ['form']);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      if (err.reason === 'too_large')
        return sendOAuthError(res, 400, 'invalid_request', 'request body too large');
      // Parameters are read from the form body only: a JSON body carries no grant_type, so
      // Salesforce answers as for a missing one. (Parameters in the query string, which an
      // org also accepts, are refused here on purpose: they would put secrets in the log.)
      return sendOAuthError(res, 400, 'unsupported_grant_type', 'grant type not supported');
    }
    const grantType = str(fields, 'grant_type');
    const supported = ['client_credentials', 'refresh_token', 'authorization_code', 'password'];
    // The JWT bearer grant is not emulated: it would need a certificate registered with the
    // emulator to verify assertions against. It gets the answer for an unknown grant.
    if (grantType === undefined || grantType === JWT_BEARER || !supported.includes(grantType)) {
      return sendOAuthError(res, 400, 'unsupported_grant_type', 'grant type not supported');
    }
    const id = str(fields, 'client_id');
    if (id === undefined || !sameSecret(id, clientId)) {
      return sendOAuthError(res, 400, 'invalid_client_id', 'client identifier invalid');
    }
    const secret = str(fields, 'client_secret');
    if (secret === undefined || !sameSecret(secret, clientSecret)) {
      return sendOAuthError(res, 400, 'invalid_client', 'invalid client credentials');
    }
    // The emulator never issues refresh tokens or codes and has no users with passwords;
    // these are the answers an org gives for a bad one of each. [ERR]
    if (grantType === 'refresh_token')
      return sendOAuthError(res, 400, 'invalid_grant', 'expired access/refresh token');
    if (grantType === 'authorization_code')
      return sendOAuthError(res, 400, 'invalid_grant', 'invalid authorization code');
    if (grantType === 'password')
      return sendOAuthError(res, 400, 'invalid_grant', 'authentication failure');

    // Client credentials: no refresh token; `issued_at` is milliseconds as a string. [CC] [TOK]
    const accessToken = issueToken();
    const identityUrl = `${baseUrl}/id/${ORG_ID}/${USER_ID}`;
    const issuedAt = String(Date.now());
    const signature = createHmac('sha256', clientSecret)
      .update(identityUrl + issuedAt)
      .digest('base64');
    sendJson(res, 200, {
      access_token: accessToken,
      signature,
      scope: 'api',
      instance_url: baseUrl,
      id: identityUrl,
      token_type: 'Bearer',
      issued_at: issuedAt,
    });
  }

  // --- /services/data/... ---------------------------------------------------------------

  function handleData(req: Req, res: Res, path: string, search: string): void {
    // An invalid or expired token is 401 with this body, whatever the resource; jsforce
    // refreshes and retries on any 401. [REST] [JSF http-api.js isSessionExpired]
    if (!tokenValid(req))
      return sendSfError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    // Counted once the caller is known; every answer from here on reports the usage. [limits.ts]
    const counted = usage.take();
    res.setHeader('sforce-limit-info', usage.header());
    if (!counted)
      return sendSfError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    const segments = path.split('/'); // ['', 'services', 'data', 'v62.0', 'query', ...]
    const version = parseVersion(segments[3]);
    const rest = segments.slice(4);
    if (rest.length === 2 && rest[1] === '') rest.pop(); // `/query/` as jsforce writes it for locators
    const resource = rest.length === 1 ? rest[0] : undefined;
    if (!version || (resource !== 'query' && resource !== 'queryAll')) {
      return sendSfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendSfError(
        res,
        405,
        'METHOD_NOT_ALLOWED',
        `HTTP Method '${req.method ?? ''}' not allowed. Allowed are GET,HEAD`,
        {
          allow: 'GET, HEAD',
        },
      );
    }
    const soql = new URLSearchParams(search).get('q');
    if (soql === null || soql.trim() === '') {
      return sendSfError(res, 400, 'MALFORMED_QUERY', 'A query string has to be specified');
    }
    let result;
    try {
      result = store.query(parseSoql(soql), soql);
    } catch (err) {
      if (err instanceof SoqlError) return sendSfError(res, 400, err.errorCode, err.message);
      throw err;
    }
    // One batch; `done: true` and no nextRecordsUrl. Fields in the selected order, with the
    // schema's casing, after `attributes`. [REST resources_query.htm]
    const records = result.rows.map((row) => ({
      attributes: {
        type: result.object,
        url: `/services/data/v${version}/sobjects/${result.object}/${row.id}`,
      },
      ...Object.fromEntries(row.values),
    }));
    sendJson(res, 200, { totalSize: records.length, done: true, records });
  }

  // --- /__emulator controls -------------------------------------------------------------

  async function readControlBody(req: Req, res: Res): Promise<Fields | undefined> {
    if ((declaredLength(req) ?? 0) > MAX_BODY_BYTES) {
      sendJson(
        res,
        400,
        { error: `request body over ${MAX_BODY_BYTES} bytes` },
        { connection: 'close' },
      );
      return undefined;
    }
    try {
      return await readFields(req, ['json']);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      sendJson(res, 400, { error: err.message });
      return undefined;
    }
  }

  function sendRecordError(res: Res, err: unknown): void {
    if (!(err instanceof RecordError)) throw err;
    sendJson(res, err.status, { error: err.message, errorCode: err.errorCode });
  }

  async function handleControl(req: Req, res: Res, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    const parts = path
      .slice('/__emulator'.length)
      .split('/')
      .filter((p) => p !== '');
    const route = parts.join('/');
    const allow = (methods: string[]): boolean => {
      if (methods.includes(method)) return true;
      sendJson(
        res,
        405,
        { error: `method ${method} not allowed on ${path}` },
        { allow: methods.join(', ') },
      );
      return false;
    };

    if (route === 'faults') {
      if (!allow(['GET', 'PUT', 'DELETE'])) return;
      if (method === 'GET') return sendJson(res, 200, { faults: faults.current ?? null });
      if (method === 'DELETE') {
        faults.clear();
        return sendEmpty(res, 204);
      }
      const body = await readControlBody(req, res);
      if (!body) return;
      const spec = parseFaultSpec(body);
      if (typeof spec === 'string') return sendJson(res, 400, { error: spec });
      faults.set(spec);
      return sendEmpty(res, 204);
    }
    if (route === 'limits') {
      if (!allow(['GET', 'PUT'])) return;
      if (method === 'GET') return sendJson(res, 200, { limits: usage.current() });
      const body = await readControlBody(req, res);
      if (!body) return;
      const patch = parseLimits(body);
      if (typeof patch === 'string') return sendJson(res, 400, { error: patch });
      usage.set(patch);
      return sendEmpty(res, 204);
    }
    if (route === 'expire-tokens') {
      if (!allow(['POST'])) return;
      tokens = new Map();
      return sendEmpty(res, 204);
    }
    if (route === 'requests') {
      if (!allow(['GET'])) return;
      return sendJson(res, 200, { requests: requestLog.list() });
    }
    if (route === 'reset') {
      if (!allow(['POST'])) return;
      reset();
      return sendEmpty(res, 204);
    }
    if (parts[0] === 'sobjects' && parts.length === 2) {
      if (!allow(['POST'])) return;
      const body = await readControlBody(req, res);
      if (!body) return;
      const type = decodeSegment(parts[1]!);
      if (type === undefined)
        return sendJson(res, 404, { error: `no emulator control at ${path}` });
      try {
        return sendJson(res, 201, { id: store.create(type, body) });
      } catch (err) {
        return sendRecordError(res, err);
      }
    }
    if (parts[0] === 'sobjects' && parts.length === 3) {
      if (!allow(['PATCH'])) return;
      const body = await readControlBody(req, res);
      if (!body) return;
      const type = decodeSegment(parts[1]!);
      const id = decodeSegment(parts[2]!);
      if (type === undefined || id === undefined)
        return sendJson(res, 404, { error: `no emulator control at ${path}` });
      try {
        store.update(type, id, body);
        return sendEmpty(res, 204);
      } catch (err) {
        return sendRecordError(res, err);
      }
    }
    return sendJson(res, 404, { error: `no emulator control at ${path}` });
  }

  // --- dispatch -------------------------------------------------------------------------

  async function handle(req: Req, res: Res): Promise<void> {
    const { path, search } = splitUrl(req.url ?? '/');
    if (path === '/__emulator' || path.startsWith('/__emulator/'))
      return handleControl(req, res, path);

    requestLog.record(req);
    if (opts.log) {
      const log = opts.log;
      const method = req.method ?? 'GET';
      res.once('finish', () => {
        try {
          log(`salesforce emulator: ${method} ${path} -> ${res.statusCode}`);
        } catch {
          // a failing logger must not take the emulator down
        }
      });
    }
    const isToken = path === '/services/oauth2/token';
    if (await faults.apply(req, res, isToken ? tokenFault : dataFault)) return;
    if (isToken) return handleToken(req, res);
    if (path === '/services/data' || path.startsWith('/services/data/'))
      return handleData(req, res, path, search);
    return sendSfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
  }

  function reset(): void {
    store.reset();
    tokens = new Map();
    faults.clear();
    requestLog.clear();
    usage.reset();
  }

  const server = http.createServer(
    safeHandler(handle, (res, err) => {
      try {
        opts.log?.(
          `salesforce emulator: internal error: ${err instanceof Error ? err.message : String(err)}`,
        );
      } catch {
        // ignored, as above
      }
      sendSfError(res, 500, 'UNKNOWN_EXCEPTION', unexpectedErrorMessage());
    }),
  );
  const listening = await listen(server, {
    port: opts.port ?? 4020,
    host: opts.host ?? '127.0.0.1',
    protocol: 'http',
  });
  baseUrl = listening.url;

  const toError = (err: unknown): Error =>
    err instanceof RecordError ? new Error(`${err.errorCode}: ${err.message}`) : (err as Error);

  return {
    url: listening.url,
    port: listening.port,
    stop: () => listening.stop(),
    requests: () => requestLog.list(),
    setFaults: (spec) => faults.set(spec),
    clearFaults: () => faults.clear(),
    reset,
    setLimits: (patch) => {
      const parsed = parseLimits({ ...patch });
      if (typeof parsed === 'string') throw new Error(`Salesforce emulator: ${parsed}`);
      usage.set(parsed);
    },
    limits: () => usage.current(),
    expireTokens: () => {
      tokens = new Map();
    },
    createContact: (fields) => {
      try {
        return store.create('Contact', fields);
      } catch (err) {
        throw toError(err);
      }
    },
    updateContact: (id, fields) => {
      try {
        store.update('Contact', id, fields);
      } catch (err) {
        throw toError(err);
      }
    },
  };
}
