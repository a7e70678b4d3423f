// @ts-check
// Run (5): the full sign-in (start, code from the outbox, verify) against zero-latency
// emulators. First serially (the unloaded latency), then with concurrent clients for a
// bounded time (throughput and latency under load), each client with its own eligible
// address (a new code supersedes the previous one, so one address signs in one at a time).
// The API's own share: its CPU time per sign-in, against the unloaded latency.
import { performance } from 'node:perf_hooks';
import { quantile, round } from './load.mjs';
import { signIn } from './tokens.mjs';

/** @typedef {import('./tokens.mjs').CodeWaiter} CodeWaiter */
/** @typedef {Pick<import('./servers.mjs').Server, 'url' | 'cpuMicros'>} SignInServer */
/** @typedef {Awaited<ReturnType<typeof loop>>} SignInLoop */
/** @typedef {Awaited<ReturnType<typeof signInRun>>} SignInResult */

/**
 * Creates `n` eligible contacts in the Salesforce emulator; returns their addresses.
 * @param {import('@portcullis/emulators').SalesforceEmulator} salesforce
 * @param {number} n
 */
export function benchContacts(salesforce, n, prefix = 'bench.user') {
  /** @type {string[]} */
  const emails = [];
  for (let i = 0; i < n; i++) {
    const email = `${prefix}${i}@example.com`;
    salesforce.createContact({
      FirstName: 'Bench',
      LastName: `User ${i}`,
      Email: email,
      Portal_Access__c: true,
      Account_Tier__c: 'Gold',
    });
    emails.push(email);
  }
  return emails;
}

/**
 * @param {{ server: SignInServer, codes: CodeWaiter, emails: string[], seconds: number, maxPerClient: number }} options
 */
async function loop({ server, codes, emails, seconds, maxPerClient }) {
  /** @type {Array<Awaited<ReturnType<typeof signIn>>>} */
  const samples = [];
  /** @type {string[]} */
  const failures = [];
  const deadline = performance.now() + seconds * 1000;
  const cpu0 = server.cpuMicros();
  const t0 = performance.now();
  await Promise.all(
    emails.map(async (email) => {
      for (let i = 0; i < maxPerClient && performance.now() < deadline; i++) {
        try {
          samples.push(await signIn(server.url, codes, email));
        } catch (err) {
          failures.push(err instanceof Error ? err.message : String(err));
          if (failures.length > 20) return;
        }
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = server.cpuMicros() - cpu0;
  /** @param {'totalMs' | 'startMs' | 'codeWaitMs' | 'verifyMs'} key */
  const pick = (key) => Float64Array.from(samples, (s) => s[key]).sort();
  const total = pick('totalMs');
  return {
    signIns: samples.length,
    seconds: round(wall, 2),
    perSecond: round(samples.length / wall, 1),
    p50Ms: round(quantile(total, 0.5), 3),
    p99Ms: round(quantile(total, 0.99), 3),
    meanMs: round(total.reduce((a, b) => a + b, 0) / (total.length || 1), 3),
    startP50Ms: round(quantile(pick('startMs'), 0.5), 3),
    codeWaitP50Ms: round(quantile(pick('codeWaitMs'), 0.5), 3),
    verifyP50Ms: round(quantile(pick('verifyMs'), 0.5), 3),
    errors: failures.length,
    firstErrors: failures.slice(0, 3),
    cpuUsPerSignIn: samples.length ? round(cpu / samples.length, 0) : NaN,
    serverCorePct: round((cpu / 1e6 / wall) * 100, 0),
  };
}

/**
 * @param {{ server: SignInServer, codes: CodeWaiter, emails: string[], seconds?: number, concurrency?: number }} options
 */
export async function signInRun({ server, codes, emails, seconds = 10, concurrency = 10 }) {
  // Warm-up: every address once (first Auth0 login creates the user; eligibility cache).
  await loop({ server, codes, emails: emails.slice(0, concurrency), seconds: 5, maxPerClient: 1 });
  const serial = await loop({
    server,
    codes,
    emails: emails.slice(0, 1),
    seconds: Math.min(3, seconds),
    maxPerClient: 500,
  });
  const loaded = await loop({
    server,
    codes,
    emails: emails.slice(0, concurrency),
    seconds,
    maxPerClient: 100_000,
  });
  return {
    concurrency,
    serial,
    loaded,
    // CPU the API spent per sign-in, as a share of one unloaded sign-in's wall time: the rest
    // is the emulators, the client and the loopback.
    apiSharePct: round((serial.cpuUsPerSignIn / 1000 / serial.meanMs) * 100, 0),
  };
}
