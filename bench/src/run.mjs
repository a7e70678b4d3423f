// Portcullis performance benchmark (issue 6): npm run bench (root: builds first).
// Both emulators run in this process; the built API and the textbook reference server run
// as child processes, pinned to core 1 while this process (load generator) takes core 0,
// when taskset exists. Every run is bounded; everything is on loopback.
//   BENCH_DURATION=5  BENCH_ROUNDS=2  BENCH_SIGNIN_SECONDS=10  BENCH_SESSIONS=1000  BENCH_TOKENS=20000
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startAuth0Emulator, startSalesforceEmulator } from '@portcullis/emulators';
import { CONNECTIONS, loadRun, rotation, round } from './load.mjs';
import { fmt, report } from './report.mjs';
import {
  API_FLAGS,
  apiEnv as makeApiEnv,
  pinningAvailable,
  pinSelf,
  SERVER_CORE,
  BENCH_CORE,
  startServer,
} from './servers.mjs';
import { benchContacts, signInRun } from './signin.mjs';
import { measureSpa } from './spa.mjs';
import { redisAvailable, revocationPropagation, startRedisServer } from './redis.mjs';
import {
  ADA,
  CodeWaiter,
  GRACE,
  loginBearer,
  makeSessions,
  mintTokens,
  rawVerifyMicros,
} from './tokens.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..', '..');
const API_MAIN = path.join(ROOT, 'apps', 'api', 'dist', 'main.js');
const TEXTBOOK = path.join(here, 'textbook-server.mjs');

const int = (name, fallback) => {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
};
const DURATION = int('BENCH_DURATION', 5);
const ROUNDS = int('BENCH_ROUNDS', 2);
const WARMUP = 1;
const SIGNIN_SECONDS = int('BENCH_SIGNIN_SECONDS', 10);
const SESSIONS = int('BENCH_SESSIONS', 1000);
const MISS_TOKENS = int('BENCH_TOKENS', 20_000);
const WARM_TOKENS = 2000;
const VERIFY_OPS = 20_000;
const PROPAGATION_SESSIONS = int('BENCH_PROPAGATION', 100);
const STARTS = 3;

const began = performance.now();
const log = (msg) =>
  console.log(`[bench ${((performance.now() - began) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

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
const loadBefore = loadavg()[0];
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
const auth0 = await startAuth0Emulator({ port: 0, log: codes.log });
codes.attach(auth0);
const salesforce = await startSalesforceEmulator({ port: 0 });

const apiEnv = makeApiEnv(auth0, salesforce);
const textbookEnv = {
  JWKS_URI: `${auth0.url}/.well-known/jwks.json`,
  AUTH0_ISSUER: auth0.issuer,
  AUTH0_AUDIENCE: auth0.audience,
};

const runs = [];
const failures = [];
const doc = {
  version: 1,
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cores, model: cpus()[0]?.model ?? 'unknown', loadAverage1mBefore: loadBefore },
  pinning: { applied: pinning, serverCore: SERVER_CORE, benchCore: BENCH_CORE },
  settings: {
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    rounds: ROUNDS,
    warmupSeconds: WARMUP,
    sessions: SESSIONS,
    missTokens: MISS_TOKENS,
    warmupTokens: WARM_TOKENS,
    signInSeconds: SIGNIN_SECONDS,
  },
};
const children = new Set();
async function start(name, args, env) {
  const server = await startServer({ name, args, env, pin: pinning });
  children.add(server);
  return server;
}
async function stop(server) {
  if (!server) return;
  await server.stop();
  children.delete(server);
}
/** Keeps the round with the highest req/s; errors and non-2xx add up over all rounds. */
function merge(id, rounds) {
  const best = rounds.reduce((a, b) => (b.rps > a.rps ? b : a));
  const sum = (key) => rounds.reduce((total, x) => total + (x[key] ?? 0), 0);
  return {
    id,
    ...best,
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    non2xx: sum('non2xx'),
    rounds: rounds.map((x) => ({
      rps: x.rps,
      p50Ms: x.p50Ms,
      p99Ms: x.p99Ms,
      cpuUsPerReq: x.cpuUsPerReq,
      serverCorePct: x.serverCorePct,
      benchCorePct: x.benchCorePct,
      requests: x.requests,
    })),
  };
}

/**
 * Runs the specs one after another, ROUNDS times interleaved (1, 2, 3, 1, 2, 3: a burst of
 * outside load hits one round of a run, not all of them); `amount` runs (every token once)
 * run in the first round only.
 */
async function runAll(specs) {
  const results = new Map(specs.map((spec) => [spec.id, []]));
  for (let pass = 1; pass <= ROUNDS; pass++) {
    for (const { id, ...options } of specs) {
      if (pass > 1 && options.amount) continue;
      log(`run ${id}${ROUNDS > 1 ? ` (round ${pass})` : ''}: ${options.name}`);
      const result = await loadRun({ duration: DURATION, warmup: WARMUP, ...options });
      result.rssMbAfter = round(options.server.rssKb() / 1024, 1);
      results.get(id).push(result);
      log(
        `  ${fmt(result.rps)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
          `${result.cpuUsPerReq} µs CPU/req, errors ${result.errors}, non-2xx ${result.non2xx}`,
      );
    }
  }
  for (const [id, rounds] of results) runs.push(merge(id, rounds));
}

try {
  log(`raw RS256 verify, ${VERIFY_OPS} ops`);
  doc.rawVerify = await rawVerifyMicros(auth0, VERIFY_OPS);
  log(`  ${doc.rawVerify.usPerOp} µs per verify`);

  const api = await start('portcullis', [...API_FLAGS, API_MAIN], apiEnv);
  log(`API up (pid ${api.pid}) in ${api.readyMs.toFixed(0)} ms at ${api.url}`);
  doc.api = { rssKbAtStart: api.rssKb() };

  // A person has at most 50 sessions (the oldest ends first): 40 each keeps every one alive.
  const people = [
    ADA,
    GRACE,
    ...benchContacts(salesforce, Math.ceil(SESSIONS / 40), 'bench.session'),
  ];
  log(`signing in ${SESSIONS} times through the API (${people.length} people)`);
  const sessions = await makeSessions(api.url, codes, people, SESSIONS);
  if (new Set(sessions).size !== sessions.length) throw new Error('session cookies not distinct');
  doc.api.cookieBytes = Buffer.byteLength(sessions[0]);
  doc.api.rssKbAfterSessions = api.rssKb();
  const bearer = await loginBearer(auth0, codes, ADA);
  log(`minting ${MISS_TOKENS + WARM_TOKENS} distinct Bearer tokens`);
  const missTokens = mintTokens(auth0, MISS_TOKENS + 4 * CONNECTIONS);
  const warmTokens = mintTokens(auth0, WARM_TOKENS);
  const cookieRotation = () => ({ header: 'cookie', prefix: '', source: rotation(sessions) });
  const missRotation = () => ({
    header: 'authorization',
    prefix: 'Bearer ',
    source: rotation(missTokens),
    warmupSource: rotation(warmTokens),
  });
  const missRun = { amount: MISS_TOKENS, warmupAmount: WARM_TOKENS, maxSeconds: 90 };

  await runAll([
    {
      id: '1',
      name: 'GET /api/health/live (no auth, the ceiling)',
      server: api,
      path: '/api/health/live',
    },
    {
      id: '2',
      name: 'GET /api/me, one session cookie',
      server: api,
      path: '/api/me',
      headers: { cookie: sessions[0] },
    },
    {
      id: '2b',
      name: 'GET /api/greeting, one session cookie',
      server: api,
      path: '/api/greeting',
      headers: { cookie: sessions[0] },
    },
    {
      id: '3',
      name: `GET /api/me, ${SESSIONS} session cookies rotated`,
      server: api,
      path: '/api/me',
      rotate: cookieRotation(),
    },
    {
      id: '3b',
      name: `GET /api/greeting, ${MISS_TOKENS} distinct Bearer tokens, each once (cache miss)`,
      server: api,
      path: '/api/greeting',
      rotate: missRotation(),
      ...missRun,
    },
    {
      id: '4',
      name: 'GET /api/me, one Bearer token (profile cached per token)',
      server: api,
      path: '/api/me',
      headers: { authorization: `Bearer ${bearer}` },
    },
    {
      id: '4b',
      name: 'GET /api/greeting, one Bearer token',
      server: api,
      path: '/api/greeting',
      headers: { authorization: `Bearer ${bearer}` },
    },
  ]);

  log(`run 5: sign-in (start + verify), ${CONNECTIONS} concurrent clients, ${SIGNIN_SECONDS} s`);
  doc.signIn = await signInRun({
    server: api,
    codes,
    emails: benchContacts(salesforce, CONNECTIONS),
    seconds: SIGNIN_SECONDS,
    concurrency: CONNECTIONS,
  });
  if (doc.signIn.serial.errors + doc.signIn.loaded.errors > 0) {
    console.error(`--- last output of the API ---\n${api.output()}`);
  }
  log(
    `  ${doc.signIn.loaded.perSecond} sign-ins/s, p50 ${doc.signIn.loaded.p50Ms} ms, ` +
      `${doc.signIn.loaded.cpuUsPerSignIn} µs API CPU per sign-in`,
  );

  doc.api.rssKbAfterRuns = api.rssKb();
  log(`run 6: API RSS after the runs ${round(doc.api.rssKbAfterRuns / 1024, 1)} MB`);

  log('SPA: first load of /login and /me requests per 10 navigations (headless Chromium)');
  try {
    doc.spa = await measureSpa({ apiUrl: api.url, codes });
  } catch (err) {
    doc.spa = { available: false, reason: `failed: ${err.message.split('\n')[0]}` };
  }
  if (!doc.spa.available) log(`  n/a: ${doc.spa.reason}`);
  else if (doc.spa.navigation.error) log(`  navigations n/a: ${doc.spa.navigation.error}`);
  await stop(api);

  const textbook = await start('textbook', [TEXTBOOK], textbookEnv);
  log(`textbook server up (pid ${textbook.pid}) in ${textbook.readyMs.toFixed(0)} ms`);
  await runAll([
    {
      id: 'T1',
      name: 'textbook GET /api/health/live (no auth)',
      server: textbook,
      path: '/api/health/live',
    },
    {
      id: 'T2',
      name: 'textbook GET /api/me, one Bearer token',
      server: textbook,
      path: '/api/me',
      headers: { authorization: `Bearer ${bearer}` },
    },
    {
      id: 'T3',
      name: `textbook GET /api/me, ${MISS_TOKENS} distinct Bearer tokens, each once`,
      server: textbook,
      path: '/api/me',
      rotate: missRotation(),
      ...missRun,
    },
  ]);
  doc.textbook = { rssKbAfterRuns: textbook.rssKb() };
  await stop(textbook);

  if (!redisAvailable()) {
    doc.redis = {
      available: false,
      reason: 'redis-server / redis-cli not installed (apt-get install redis-server)',
    };
    log(`Redis runs skipped: ${doc.redis.reason}`);
  } else {
    const redis = await startRedisServer();
    try {
      const redisEnv = { ...apiEnv, REDIS_URL: redis.url, KEY_PREFIX: 'bench:' };
      const ra = await start('portcullis-redis-a', [...API_FLAGS, API_MAIN], redisEnv);
      const rb = await start('portcullis-redis-b', [...API_FLAGS, API_MAIN], redisEnv);
      log(`two API instances on Redis ${redis.url}: ${ra.url}, ${rb.url}`);
      const memory0 = redis.usedMemory();
      const redisPeople = [...benchContacts(salesforce, Math.ceil(SESSIONS / 40), 'bench.redis')];
      const redisSessions = await makeSessions(ra.url, codes, redisPeople, SESSIONS);
      doc.redis = {
        available: true,
        sessions: redisSessions.length,
        bytesPerSession: round((redis.usedMemory() - memory0) / redisSessions.length, 0),
        keys: redis.keys(),
      };
      await runAll([
        {
          id: 'R1',
          name: 'Redis: GET /api/health/live (instance A)',
          server: ra,
          path: '/api/health/live',
        },
        {
          id: 'R2',
          name: 'Redis: GET /api/me, one session cookie (instance A)',
          server: ra,
          path: '/api/me',
          headers: { cookie: redisSessions[0] },
        },
        {
          id: 'R3',
          name: `Redis: GET /api/me, ${SESSIONS} session cookies rotated (instance A)`,
          server: ra,
          path: '/api/me',
          rotate: { header: 'cookie', prefix: '', source: rotation(redisSessions) },
        },
      ]);
      log(`revocation propagation: logout on A, refused on B (${PROPAGATION_SESSIONS} sessions)`);
      doc.redis.propagation = await revocationPropagation(
        ra,
        rb,
        redisSessions.slice(-PROPAGATION_SESSIONS),
      );
      log(`  p50 ${doc.redis.propagation.p50Ms} ms, p99 ${doc.redis.propagation.p99Ms} ms`);
      log(`sign-in with Redis, ${CONNECTIONS} concurrent clients, ${SIGNIN_SECONDS} s`);
      doc.redis.signIn = await signInRun({
        server: ra,
        codes,
        emails: benchContacts(salesforce, CONNECTIONS, 'bench.redis.signin'),
        seconds: SIGNIN_SECONDS,
        concurrency: CONNECTIONS,
      });
      log(
        `  ${doc.redis.signIn.loaded.perSecond} sign-ins/s, p50 ${doc.redis.signIn.loaded.p50Ms} ms`,
      );
      await stop(rb);
      await stop(ra);
    } finally {
      await redis.stop();
    }
  }

  log(`run 6: API start to first 200 on /api/health/live, ${STARTS} fresh processes`);
  const startMs = [];
  for (let i = 0; i < STARTS; i++) {
    const fresh = await start('portcullis-fresh', [...API_FLAGS, API_MAIN], apiEnv);
    startMs.push(round(fresh.readyMs, 1));
    await stop(fresh);
  }
  doc.api.startMs = startMs;
  doc.api.startMedianMs = [...startMs].sort((a, b) => a - b)[Math.floor(STARTS / 2)];
} catch (err) {
  failures.push(err.stack ?? String(err));
  for (const child of children) {
    console.error(`--- last output of ${child.name} (pid ${child.pid}) ---\n${child.output()}`);
  }
} finally {
  for (const child of children) await child.stop();
  await Promise.allSettled([auth0.stop(), salesforce.stop()]);
}

doc.runs = runs;
doc.elapsedSeconds = round((performance.now() - began) / 1000, 1);
const exitCode = await report(doc, failures);
process.exit(exitCode);
