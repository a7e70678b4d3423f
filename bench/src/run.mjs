// @ts-check
// Portcullis performance benchmark (issue 6): npm run bench (root: builds first).
// Both emulators run in this process; the built API and the textbook reference server run
// as child processes, pinned to core 1 while this process (load generator) takes core 0,
// when taskset exists. Every run is bounded; everything is on loopback.
//   BENCH_DURATION=5  BENCH_ROUNDS=2  BENCH_SIGNIN_SECONDS=10  BENCH_SESSIONS=1000  BENCH_TOKENS=20000
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CONNECTIONS, round } from './load.mjs';
import { report } from './report.mjs';
import { pinningAvailable, pinSelf, SERVER_CORE, BENCH_CORE } from './servers.mjs';
import { API_MAIN, apiEnv as makeApiEnv, startBenchEmulators } from './stack.mjs';
import { CodeWaiter, rawVerifyMicros } from './tokens.mjs';
import { apiRuns } from './run/api.mjs';
import { began, createRunner, log } from './run/runner.mjs';
import { sharedStateRuns } from './run/shared-state.mjs';
import { freshStarts, textbookRuns } from './run/textbook.mjs';

/**
 * @param {string} name
 * @param {number} fallback
 */
const int = (name, fallback) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const DURATION = int('BENCH_DURATION', 5);
const ROUNDS = int('BENCH_ROUNDS', 2);
const WARMUP = 1;
const VERIFY_OPS = 20_000;
/** @type {import('./run/context.js').Settings} */
const settings = {
  SESSIONS: int('BENCH_SESSIONS', 1000),
  MISS_TOKENS: int('BENCH_TOKENS', 20_000),
  WARM_TOKENS: 2000,
  SIGNIN_SECONDS: int('BENCH_SIGNIN_SECONDS', 10),
  PROPAGATION_SESSIONS: int('BENCH_PROPAGATION', 100),
  STARTS: 3,
};

if (!existsSync(API_MAIN)) {
  console.error(`${API_MAIN} not found: build first (npm run build at the repo root).`);
  process.exit(1);
}
if (!process.env.NODE_EXTRA_CA_CERTS) {
  console.error(
    'NODE_EXTRA_CA_CERTS is not set: run through `npm run bench` (portcullis-dev-tls).',
  );
  process.exit(1);
}

const cores = cpus().length; // before pinning: afterwards this process sees one core
const loadBefore = loadavg()[0] ?? 0;
if (loadBefore > 0.5) {
  console.warn(
    `note: load average ${loadBefore.toFixed(2)} before the run: other processes compete for the cores, ` +
      'so absolute numbers will be noisy (the ratios less so).',
  );
}
const pinning = pinningAvailable() && pinSelf();
log(
  pinning
    ? `pinning applied: servers on core ${SERVER_CORE} (taskset -c), this process on core ${BENCH_CORE}`
    : 'pinning NOT applied (no taskset or fewer than 2 cores): servers and load generator share cores',
);

const codes = new CodeWaiter();
const emulators = await startBenchEmulators(codes);

/** @type {string[]} */
const failures = [];
const runner = createRunner({ pinning, rounds: ROUNDS, duration: DURATION, warmup: WARMUP });
/** @type {import('./run/context.js').BenchContext} */
const ctx = {
  runner,
  codes,
  emulators,
  apiEnv: makeApiEnv(emulators),
  settings,
  doc: {
    version: 1,
    date: new Date().toISOString(),
    node: process.version,
    machine: {
      cpus: cores,
      model: cpus()[0]?.model ?? 'unknown',
      loadAverage1mBefore: loadBefore,
    },
    pinning: { applied: pinning, serverCore: SERVER_CORE, benchCore: BENCH_CORE },
    settings: {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      rounds: ROUNDS,
      warmupSeconds: WARMUP,
      sessions: settings.SESSIONS,
      missTokens: settings.MISS_TOKENS,
      warmupTokens: settings.WARM_TOKENS,
      signInSeconds: settings.SIGNIN_SECONDS,
    },
  },
};

try {
  log(`raw RS256 verify, ${VERIFY_OPS} ops`);
  ctx.doc.rawVerify = await rawVerifyMicros(emulators.auth0, VERIFY_OPS);
  log(`  ${ctx.doc.rawVerify.usPerOp} µs per verify`);
  const credentials = await apiRuns(ctx);
  await textbookRuns(ctx, credentials);
  await sharedStateRuns(ctx);
  await freshStarts(ctx);
} catch (err) {
  failures.push(err instanceof Error ? (err.stack ?? String(err)) : String(err));
  for (const child of runner.children) {
    console.error(`--- last output of ${child.name} (pid ${child.pid}) ---\n${child.output()}`);
  }
} finally {
  for (const child of runner.children) await child.stop();
  await emulators.stop().catch(() => undefined);
}

/** @type {import('./report/doc.js').BenchDoc} */
const doc = {
  ...ctx.doc,
  runs: runner.runs,
  elapsedSeconds: round((performance.now() - began) / 1000, 1),
};
const exitCode = await report(doc, failures);
process.exit(exitCode);
