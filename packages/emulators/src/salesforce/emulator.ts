// Salesforce emulator: the slice of Salesforce's OAuth token endpoint and REST API that
// jsforce uses for an eligibility lookup, over plain HTTP (jsforce takes any instance_url).
// One file per endpoint family, each citing its Salesforce sources:
//
//   POST /services/oauth2/token                     oauth-token.ts (client credentials, form)
//   GET  /services/data/vNN.N/query?q=<SOQL>        query.ts (strict SOQL subset: soql.ts)
//   GET  /services/data/vNN.N/queryAll?q=<SOQL>     the same (the emulator deletes nothing)
//   Sforce-Limit-Info and the daily allocation      limits.ts
//   /__emulator/...                                 controls.ts and the shared ../core
//
// [JSF] @jsforce/jsforce-node 3.12.0 (https://github.com/jsforce/jsforce): lib/oauth2.js,
// lib/connection.js, lib/http-api.js.
import http from 'node:http';
import {
  RouteTable,
  createEmulatorCore,
  listen,
  systemClock,
  type FaultSpec,
  type LoggedRequest,
} from '../core/index.js';
import type { SalesforceOrg } from './context.js';
import { salesforceControls } from './controls.js';
import {
  dataFault,
  sendNotFound,
  sendSfError,
  tokenFault,
  unexpectedErrorMessage,
} from './errors.js';
import { ApiUsage, parseLimits, type ApiLimits } from './limits.js';
import { TOKEN_PATH, oauthTokenRoutes } from './oauth-token.js';
import { queryRoutes } from './query.js';
import { Sessions } from './sessions.js';
import {
  RecordError,
  SalesforceStore,
  loadDefaultSeed,
  validateSeed,
  type SalesforceSeed,
} from './store.js';

export type { SalesforceSeed, SeedRecord, FieldValue } from './store.js';
export type { ApiLimits } from './limits.js';
export { MIN_API_VERSION, MAX_API_VERSION } from './query.js';

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
  /** The emulator's clock in epoch milliseconds (token expiry, `issued_at`, request log); default Date.now. */
  now?: () => number;
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

/** Runs a store write, turning its refusal into an Error that names the errorCode. */
function write<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw err instanceof RecordError ? new Error(`${err.errorCode}: ${err.message}`) : err;
  }
}

export async function startSalesforceEmulator(
  opts: SalesforceEmulatorOptions = {},
): Promise<SalesforceEmulator> {
  const now = opts.now ?? systemClock;
  let baseUrl = '';
  const org: SalesforceOrg = {
    clientId: opts.clientId ?? 'portcullis-dev',
    clientSecret: opts.clientSecret ?? 'portcullis-dev-secret',
    store: new SalesforceStore(opts.seed ? validateSeed(opts.seed) : loadDefaultSeed()),
    sessions: new Sessions((opts.tokenTtlSeconds ?? 7200) * 1000, now),
    usage: new ApiUsage(),
    now,
    baseUrl: () => baseUrl,
  };

  const service = new RouteTable();
  oauthTokenRoutes(service, org);
  queryRoutes(service, org);
  const controls = new RouteTable();
  salesforceControls(controls, org);

  const log = opts.log;
  const core = createEmulatorCore({
    now,
    service,
    controls,
    resetState: () => {
      org.store.reset();
      org.sessions.expireAll();
      org.usage.reset();
    },
    answerFault: ({ res, path }, status, spec) =>
      path === TOKEN_PATH ? tokenFault(res, status) : dataFault(res, status, spec),
    notFound: ({ res }) => sendNotFound(res),
    // Every service route takes every method and answers a wrong one itself.
    methodNotAllowed: ({ res }) => sendNotFound(res),
    onServiceRequest: ({ res, method, path }) => {
      if (!log) return;
      res.once('finish', () => {
        try {
          log(`salesforce emulator: ${method} ${path} -> ${res.statusCode}`);
        } catch {
          // a failing logger must not take the emulator down
        }
      });
    },
    internalError: (res, err) => {
      try {
        log?.(
          `salesforce emulator: internal error: ${err instanceof Error ? err.message : String(err)}`,
        );
      } catch {
        // ignored, as above
      }
      sendSfError(res, 500, 'UNKNOWN_EXCEPTION', unexpectedErrorMessage());
    },
  });

  const server = http.createServer(core.handler);
  const listening = await listen(server, {
    port: opts.port ?? 4020,
    host: opts.host ?? '127.0.0.1',
    protocol: 'http',
  });
  baseUrl = listening.url;

  return {
    url: listening.url,
    port: listening.port,
    stop: () => listening.stop(),
    requests: () => core.requestLog.list(),
    setFaults: (spec) => core.faults.set(spec),
    clearFaults: () => core.faults.clear(),
    reset: core.reset,
    setLimits: (patch) => {
      const parsed = parseLimits({ ...patch });
      if (typeof parsed === 'string') throw new Error(`Salesforce emulator: ${parsed}`);
      org.usage.set(parsed);
    },
    limits: () => org.usage.current(),
    expireTokens: () => org.sessions.expireAll(),
    createContact: (fields) => write(() => org.store.create('Contact', fields)),
    updateContact: (id, fields) => write(() => org.store.update('Contact', id, fields)),
  };
}
