// `@portcullis/emulators/testing`: the one way tests and tools start both emulators and point
// the API at them. Both run in this process, on free loopback ports unless told otherwise;
// `env` is the API's environment for them (merge it into `loadConfig(...)` or a child
// process's env). The Auth0 emulator speaks HTTPS with the dev certificate: a child process
// gets NODE_EXTRA_CA_CERTS from `env`; this process trusts it only when it was itself started
// with that variable (through `portcullis-dev-tls`), since Node reads it at start-up.
// A throwaway redis-server, for the tests and tools that need one, comes from here too.
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  ensureDevCertificate,
  startAuth0Emulator,
  startSalesforceEmulator,
  type Auth0Emulator,
  type Auth0EmulatorOptions,
  type SalesforceEmulator,
  type SalesforceEmulatorOptions,
} from './index.js';

export {
  findRedisServer,
  freePort,
  redisPing,
  startRedis,
  type RedisServer,
  type StartRedisOptions,
} from './redis.js';

export interface EmulatorStackOptions {
  /** Passed to startAuth0Emulator; default port 0 (a free one) and no code log lines. */
  auth0?: Auth0EmulatorOptions;
  /** Passed to startSalesforceEmulator; default port 0 (a free one). */
  salesforce?: SalesforceEmulatorOptions;
}

/** The variables that point the API at the emulators (all strings, ready for an env). */
export interface EmulatorEnv {
  AUTH0_DOMAIN: string;
  AUTH0_CLIENT_ID: string;
  AUTH0_CLIENT_SECRET: string;
  AUTH0_AUDIENCE: string;
  SALESFORCE_LOGIN_URL: string;
  SALESFORCE_CLIENT_ID: string;
  SALESFORCE_CLIENT_SECRET: string;
  /** The dev certificate, for a child process that talks to the Auth0 emulator. */
  NODE_EXTRA_CA_CERTS: string;
  [name: string]: string;
}

export interface EmulatorStack {
  auth0: Auth0Emulator;
  salesforce: SalesforceEmulator;
  /** The API's environment for these emulators. */
  env: EmulatorEnv;
  /** The dev certificate (PEM file) the Auth0 emulator serves. */
  certPath: string;
  /**
   * Shifts the Auth0 emulator's clock by `ms` (on top of `auth0.now`, if given): tokens and
   * codes issued meanwhile are born that much older or younger.
   */
  setAuth0ClockOffset(ms: number): void;
  /** Stops both emulators. */
  stop(): Promise<void>;
}

/** Defaults both emulators share with the API's dev settings (AUTH0_EMULATOR_DEFAULTS). */
const SALESFORCE_DEV_CLIENT = { id: 'portcullis-dev', secret: 'portcullis-dev-secret' };

/** Starts both emulators; if the second fails to start, the first is stopped again. */
export async function startEmulators(options: EmulatorStackOptions = {}): Promise<EmulatorStack> {
  const { certPath, cert, key } = await ensureDevCertificate();
  let offset = 0;
  const clock = options.auth0?.now ?? Date.now;
  const auth0 = await startAuth0Emulator({
    port: 0,
    log: () => undefined,
    tls: { cert, key },
    ...options.auth0,
    now: () => clock() + offset,
  });
  let salesforce: SalesforceEmulator;
  try {
    salesforce = await startSalesforceEmulator({ port: 0, ...options.salesforce });
  } catch (err) {
    await auth0.stop();
    throw err;
  }
  const env: EmulatorEnv = {
    AUTH0_DOMAIN: auth0.domain,
    AUTH0_CLIENT_ID: auth0.clientId,
    AUTH0_CLIENT_SECRET: auth0.clientSecret,
    AUTH0_AUDIENCE: auth0.audience,
    SALESFORCE_LOGIN_URL: salesforce.url,
    SALESFORCE_CLIENT_ID: options.salesforce?.clientId ?? SALESFORCE_DEV_CLIENT.id,
    SALESFORCE_CLIENT_SECRET: options.salesforce?.clientSecret ?? SALESFORCE_DEV_CLIENT.secret,
    NODE_EXTRA_CA_CERTS: certPath,
  };
  return {
    auth0,
    salesforce,
    env,
    certPath,
    setAuth0ClockOffset: (ms) => {
      offset = ms;
    },
    stop: async () => {
      await Promise.all([auth0.stop(), salesforce.stop()]);
    },
  };
}

/**
 * The Chromium the browser tests and the bench drive: CHROMIUM_PATH, else Debian's `chromium`
 * (/usr/bin/chromium) or whichever is on PATH; undefined when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  for (const dir of ['/usr/bin', ...(env.PATH ?? '').split(path.delimiter)]) {
    const candidate = path.join(dir, 'chromium');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Flags for headless Chromium in tests and tools (the browser tests, the bench's SPA run). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
