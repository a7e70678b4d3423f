// @ts-check
// What every bench tool starts: both emulators (through @portcullis/emulators/testing) and the
// built API, either as a child process (`API_MAIN`, as `npm start` runs it) or loaded into
// this process (`loadApi`, through the modules @portcullis/api exports for tools).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulators } from '@portcullis/emulators/testing';

/** @typedef {import('@portcullis/emulators/testing').EmulatorStack} EmulatorStack */
/** @typedef {Record<string, string>} Env */

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const API_DIST = path.join(ROOT, 'apps', 'api', 'dist');
export const API_MAIN = path.join(API_DIST, 'main.js');

/** How the API runs, as `npm start` runs it: a small young generation and a capped old one
 * keep V8 from holding on to hundreds of MB of heap pages (bench/README.md, "Memory"). */
export const API_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=384'];

/** The abuse limits at values the benchmark never reaches: they are not what is measured. */
export const LIMITS_OFF = {
  CODE_RESEND_SECONDS: '0',
  CODES_PER_EMAIL_PER_HOUR: '1000000',
  STARTS_PER_IP_PER_HOUR: '100000', // the API's maximum for this setting
  STARTS_GLOBAL_PER_MINUTE: '1000000',
  FAILED_CODES_PER_EMAIL: '1000000',
  FAILED_CODES_PER_EMAIL_PER_DAY: '1000000',
  FAILED_CODES_PER_IP_PER_HOUR: '1000000',
};

/**
 * Both emulators on free loopback ports. With `codes`, the Auth0 emulator's code lines go to
 * it (see tokens.mjs), so a sign-in waits for its code without polling.
 * @param {{ log: (line: string) => void, attach: (auth0: EmulatorStack['auth0']) => unknown }} [codes]
 * @returns {Promise<EmulatorStack>}
 */
export async function startBenchEmulators(codes) {
  const emulators = await startEmulators(codes ? { auth0: { log: codes.log } } : {});
  codes?.attach(emulators.auth0);
  return emulators;
}

/**
 * The API's environment against the emulators, quiet, with its default limits.
 * @param {EmulatorStack} emulators
 * @param {Env} [extra] wins over the rest
 * @returns {Env}
 */
export function baseEnv(emulators, extra = {}) {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    ...emulators.env,
    SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
    ...extra,
  };
}

/**
 * The API's environment against the emulators, quiet, with the abuse limits out of the way.
 * @param {EmulatorStack} emulators
 * @param {Env} [extra] wins over the rest
 * @returns {Env}
 */
export function apiEnv(emulators, extra = {}) {
  return baseEnv(emulators, { ...LIMITS_OFF, ...extra });
}

/** The built API's createApp and loadConfig (and the limits' store, for the flood). */
export async function loadApi() {
  const [{ createApp }, { loadConfig }, { CounterStore }] = await Promise.all([
    import('@portcullis/api/app'),
    import('@portcullis/api/config'),
    import('@portcullis/api/counter-store'),
  ]);
  return { createApp, loadConfig, CounterStore };
}

/**
 * The port a listening server got.
 * @param {import('node:net').Server} server
 */
export function portOf(server) {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}
