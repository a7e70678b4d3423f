// The stack the browser tests run against, started by the tests themselves on free ports:
// both emulators in this process (so tests can read the outbox and move Auth0's clock), and
// the built API as a child process serving the built SPA, exactly as `npm start` would.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Auth0Emulator, SalesforceEmulator } from '@portcullis/emulators';
import { freePort, startEmulators } from '@portcullis/emulators/testing';

const here = path.dirname(fileURLToPath(import.meta.url));
export const WEB_ROOT = path.resolve(here, '..');
export const REPO_ROOT = path.resolve(WEB_ROOT, '..', '..');
export const RESULTS_DIR = path.join(WEB_ROOT, 'test-results');
const API_MAIN = path.join(REPO_ROOT, 'apps', 'api', 'dist', 'main.js');
const WEB_INDEX = path.join(WEB_ROOT, 'dist', 'index.html');

export const ADA = 'ada.lovelace@example.com';
export const CHARLES = 'charles.babbage@example.com';

export interface Stack {
  /** http://localhost:PORT — the API and the SPA, one origin. */
  url: string;
  auth0: Auth0Emulator;
  salesforce: SalesforceEmulator;
  /** Shifts the Auth0 emulator's clock (ms): tokens issued meanwhile are born old. */
  setAuth0ClockOffset(ms: number): void;
  /** A new eligible person in Salesforce, so tests do not share rate limits. */
  newPerson(firstName: string): string;
  /** Waits for a code newer than the `known` messages of `email`'s outbox. */
  waitForCode(email: string, known: number): Promise<string>;
  apiLog(): string;
  stop(): Promise<void>;
}

export async function poll<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let people = 0;

export interface StackOptions {
  /** Extra environment for the API (after the defaults below, so they win). */
  env?: Record<string, string>;
}

export async function startStack(name: string, options: StackOptions = {}): Promise<Stack> {
  for (const [file, build] of [
    [API_MAIN, 'the API'],
    [WEB_INDEX, 'the SPA'],
  ] as const) {
    if (!existsSync(file)) throw new Error(`${build} is not built (${file}): run npm run build`);
  }
  const emulators = await startEmulators();
  const { auth0, salesforce } = emulators;
  const port = await freePort();
  const url = `http://localhost:${port}`;

  const log: string[] = [];
  const api: ChildProcess = spawn(process.execPath, [API_MAIN], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      ...emulators.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      SESSION_SECRET: 'browser-test-session-secret-that-is-long-enough-0123456789',
      // Tests sign in many times from one address; the limits themselves are the API's tests.
      STARTS_PER_IP_PER_HOUR: '10000',
      ...options.env,
    },
  });
  for (const stream of [api.stdout, api.stderr]) {
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => log.push(chunk));
  }
  const exited = new Promise<number | null>((resolve) => api.once('exit', resolve));

  const stop = async () => {
    if (api.exitCode === null) {
      api.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (api.exitCode === null) api.kill('SIGKILL');
    }
    await emulators.stop();
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, `${name}.api.log`), log.join(''));
  };

  try {
    await poll(
      'the API to answer /api/health/live',
      async () => {
        if (api.exitCode !== null) throw new Error(`the API exited:\n${log.join('')}`);
        const res = await fetch(`${url}/api/health/live`).catch(() => undefined);
        return res?.ok ? true : undefined;
      },
      30_000,
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    url,
    auth0,
    salesforce,
    setAuth0ClockOffset: (ms) => emulators.setAuth0ClockOffset(ms),
    newPerson(firstName) {
      people += 1;
      const email = `${firstName.toLowerCase()}.${process.pid}.${people}@example.com`;
      salesforce.createContact({
        FirstName: firstName,
        LastName: 'Tester',
        Email: email,
        Portal_Access__c: true,
        Account_Tier__c: 'Bronze',
      });
      return email;
    },
    waitForCode: (email, known) =>
      poll(`a code for ${email}`, () => {
        const messages = auth0.outbox(email);
        return messages.length > known ? messages[0]!.code : undefined;
      }),
    apiLog: () => log.join(''),
    stop,
  };
}
