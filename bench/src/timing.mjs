// @ts-check
// Timing benchmark for no-enumeration (abuse-resistance issues): eligible, ineligible and
// unknown addresses, interleaved in a random order per round, against the built API and
// in-process emulators on loopback. Prints medians and p90s per class.
// - start: 200 starts per class, with the eligibility cache on (the default) and off (every
//   start asks Salesforce), with Auth0 answering slowly (100 ms) to show its latency never
//   reaches the answer;
// - verify: per round, a start for each class, then three wrong codes each (the answers
//   must be invalid_code, invalid_code, too_many_attempts for every class), with Auth0 at
//   0 ms and at 100 ms: every class pays the same Auth0 round trip;
// - start→verify race: per round and class, a code killed with three wrong guesses, a new
//   start, and at once a wrong code, with Auth0's /passwordless/start slowed (0 and 300 ms)
//   so the new code's send is still in flight: the share of those guesses answered as a
//   fresh code is (401 invalid_code, as every class must), and their median latency.
// The server (API + emulators) runs in a child process, so the measuring client shares no
// event loop with it, as an attacker would not.
//   npm run bench:timing -w @portcullis/bench      (after npm run build)
//   ROUNDS=200 VERIFY_ROUNDS=60 ONLY=verify npm run bench:timing -w @portcullis/bench
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { quantile } from './load.mjs';
import { apiEnv, loadApi, portOf, startBenchEmulators } from './stack.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const VERIFY_ROUNDS = Number(process.env.VERIFY_ROUNDS ?? 60);
const RACE_ROUNDS = Number(process.env.RACE_ROUNDS ?? 30);
const ONLY = process.env.ONLY; // 'start' | 'verify' | 'race' | undefined (all)
/** @typedef {'eligible' | 'ineligible' | 'unknown'} AddressClass */
/** @type {Record<AddressClass, string>} */
const CLASSES = {
  eligible: 'ada.lovelace@example.com',
  ineligible: 'charles.babbage@example.com',
  unknown: 'nobody.at.all@example.com',
};
const CLASS_NAMES = /** @type {AddressClass[]} */ (Object.keys(CLASSES));
/** @typedef {{ cacheSeconds: number, auth0LatencyMs: number, startLatencyMs?: number }} ServerOptions */
/** @typedef {Record<AddressClass, number[]>} Samples */

/** @returns {Samples} */
const noSamples = () => ({ eligible: [], ineligible: [], unknown: [] });

/**
 * The server child: both emulators and the built API, printing one JSON line when ready.
 * @param {ServerOptions} options
 */
async function serve({ cacheSeconds, auth0LatencyMs, startLatencyMs }) {
  const emulators = await startBenchEmulators();
  if (auth0LatencyMs) emulators.auth0.setFaults({ latencyMs: auth0LatencyMs });
  if (startLatencyMs)
    emulators.auth0.setFaults({ latencyMs: startLatencyMs, paths: ['/passwordless/start'] });
  const { createApp, loadConfig } = await loadApi();
  const config = loadConfig(
    apiEnv(emulators, { LOG_LEVEL: 'silent', ELIGIBILITY_CACHE_SECONDS: String(cacheSeconds) }),
  );
  const app = await createApp(config, { logSink: () => {} });
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: portOf(app.getHttpServer()), auth0: emulators.auth0.url }));
}

/**
 * Starts a server child process; returns its URLs and a stop function.
 * @param {ServerOptions} options
 * @returns {Promise<{ api: string, auth0: string, stop: () => void }>}
 */
async function spawnServer(options) {
  const child = spawn(
    process.execPath,
    [new URL(import.meta.url).pathname, '--serve', JSON.stringify(options)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  const { port, auth0 } = JSON.parse(line);
  return { api: `http://127.0.0.1:${port}`, auth0, stop: () => child.kill() };
}

/**
 * @param {string} url
 * @param {unknown} body
 * @returns {Promise<{ ms: number, status: number, code: string | undefined }>}
 */
async function post(url, body) {
  const t0 = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  let code;
  if (res.status >= 400) code = JSON.parse(text).code;
  return { ms, status: res.status, code };
}

/**
 * @param {string} label
 * @param {Samples} samples
 */
function table(label, samples) {
  const rows = Object.entries(samples).map(([k, v]) => {
    const sorted = [...v].sort((a, b) => a - b);
    return {
      class: k,
      n: v.length,
      medianMs: +quantile(sorted, 0.5).toFixed(3),
      p90Ms: +quantile(sorted, 0.9).toFixed(3),
    };
  });
  console.log(`\n${label}`);
  console.table(rows);
  const medians = rows.map((r) => r.medianMs);
  const spread = +(Math.max(...medians) - Math.min(...medians)).toFixed(3);
  console.log(`  spread of the medians: ${spread} ms`);
  return { label, rows, spreadMs: spread };
}

/** The classes in a random order. */
const shuffled = () => [...CLASS_NAMES].sort(() => Math.random() - 0.5);

/**
 * @param {string} label
 * @param {ServerOptions} options
 */
async function runStart(label, options) {
  const server = await spawnServer(options);
  const url = `${server.api}/api/auth/passwordless/start`;
  /** @param {string} email */
  const start = async (email) => {
    const r = await post(url, { email });
    if (r.status !== 202) throw new Error(`start answered ${r.status}`);
    return r.ms;
  };
  try {
    // Warm-up: connections, JIT, the Salesforce login.
    for (let i = 0; i < 20; i++) for (const email of Object.values(CLASSES)) await start(email);
    const samples = noSamples();
    for (let round = 0; round < ROUNDS; round++) {
      for (const k of shuffled()) samples[k].push(await start(CLASSES[k]));
    }
    return table(label, samples);
  } finally {
    server.stop();
  }
}

/**
 * The newest code the Auth0 emulator sent to `email`, once there are more than `known`.
 * @param {{ auth0: string }} server
 * @param {string} email
 * @param {number} known
 * @returns {Promise<{ code: string, count: number }>}
 */
async function codeFor(server, email, known) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${server.auth0}/__emulator/outbox?email=${encodeURIComponent(email)}`);
    /** @type {{ messages: Array<{ code: string }> }} */
    const { messages } = await res.json();
    const [newest] = messages;
    if (newest && messages.length > known) return { code: newest.code, count: messages.length };
    if (Date.now() > deadline) throw new Error(`no code for ${email}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * @param {string} label
 * @param {ServerOptions} options
 */
async function runVerify(label, options) {
  const server = await spawnServer(options);
  const startUrl = `${server.api}/api/auth/passwordless/start`;
  const verifyUrl = `${server.api}/api/auth/passwordless/verify`;
  const EXPECTED = ['401 invalid_code', '401 invalid_code', '429 too_many_attempts'];
  let sent = 0;
  /** A start per class (a fresh code or decoy each), then wrong codes that are wrong for sure. */
  const newRound = async () => {
    for (const k of shuffled()) {
      const r = await post(startUrl, { email: CLASSES[k] });
      if (r.status !== 202) throw new Error(`start answered ${r.status}`);
    }
    const { code, count } = await codeFor(server, CLASSES.eligible, sent);
    sent = count;
    return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  };
  /** @param {Samples | undefined} samples */
  const round = async (samples) => {
    const wrong = await newRound();
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const k of shuffled()) {
        const r = await post(verifyUrl, { email: CLASSES[k], code: wrong });
        const answer = `${r.status} ${r.code}`;
        if (answer !== EXPECTED[attempt])
          throw new Error(`${k}: attempt ${attempt + 1} answered ${answer}`);
        samples?.[k].push(r.ms);
      }
    }
  };
  try {
    for (let i = 0; i < 5; i++) await round(undefined);
    const samples = noSamples();
    for (let r = 0; r < VERIFY_ROUNDS; r++) await round(samples);
    return table(label, samples);
  } finally {
    server.stop();
  }
}

/**
 * The start→verify race: the address's code is killed (three wrong guesses), a new start is
 * answered, and a wrong code follows at once, while Auth0's send of the new code may still
 * be in flight. A fresh code (and every decoy) answers 401 invalid_code; an answer from
 * Auth0's state for the dead code (429 too_many_attempts) would tell the eligible apart.
 * @param {string} label
 * @param {ServerOptions} options
 */
async function runRace(label, options) {
  const server = await spawnServer(options);
  const startUrl = `${server.api}/api/auth/passwordless/start`;
  const verifyUrl = `${server.api}/api/auth/passwordless/verify`;
  const EXPECTED = ['401 invalid_code', '401 invalid_code', '429 too_many_attempts'];
  let sent = 0;
  /** @param {AddressClass} k  @returns {Promise<string>} a code wrong for the one sent */
  const start = async (k) => {
    const r = await post(startUrl, { email: CLASSES[k] });
    if (r.status !== 202) throw new Error(`start answered ${r.status}`);
    if (k !== 'eligible') return '123456';
    const { code, count } = await codeFor(server, CLASSES.eligible, sent);
    sent = count;
    return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  };
  /** @type {Record<AddressClass, string[]>} */
  const answers = { eligible: [], ineligible: [], unknown: [] };
  /** @param {Samples | undefined} samples */
  const round = async (samples) => {
    for (const k of shuffled()) {
      const email = CLASSES[k];
      const wrong = await start(k);
      for (let attempt = 0; attempt < 3; attempt++) {
        const r = await post(verifyUrl, { email, code: wrong });
        if (`${r.status} ${r.code}` !== EXPECTED[attempt])
          throw new Error(`${k}: attempt ${attempt + 1} answered ${r.status} ${r.code}`);
      }
      // The new start, and at once a guess that is wrong for the old code and the new.
      const r0 = await post(startUrl, { email });
      if (r0.status !== 202) throw new Error(`start answered ${r0.status}`);
      const r = await post(verifyUrl, { email, code: wrong });
      if (samples) {
        samples[k].push(r.ms);
        answers[k].push(`${r.status} ${r.code}`);
      }
      // Let the new code's send finish before the next round.
      if (k === 'eligible') sent = (await codeFor(server, email, sent)).count;
    }
  };
  try {
    for (let i = 0; i < 3; i++) await round(undefined);
    const samples = noSamples();
    for (let r = 0; r < RACE_ROUNDS; r++) await round(samples);
    const result = table(label, samples);
    /** @type {Record<string, unknown>} */
    const fresh = {};
    for (const k of CLASS_NAMES) {
      const seen = answers[k];
      const counts = Object.fromEntries(
        [...new Set(seen)].map((a) => [a, seen.filter((x) => x === a).length]),
      );
      fresh[k] = {
        answeredAsFreshCode: +(
          seen.filter((a) => a === '401 invalid_code').length / seen.length
        ).toFixed(3),
        answers: counts,
      };
    }
    console.log('  answers right after the new start:', JSON.stringify(fresh));
    return { ...result, answers: fresh };
  } finally {
    server.stop();
  }
}

if (process.argv[2] === '--serve') {
  await serve(JSON.parse(process.argv[3] ?? '{}'));
  await new Promise(() => {});
}

const results = [];
if (ONLY === undefined || ONLY === 'start') {
  results.push(
    await runStart('start: eligibility cache on (default), Auth0 at 100 ms', {
      cacheSeconds: 60,
      auth0LatencyMs: 100,
    }),
  );
  results.push(
    await runStart(
      'start: eligibility cache off (every start queries Salesforce), Auth0 at 100 ms',
      {
        cacheSeconds: 0,
        auth0LatencyMs: 100,
      },
    ),
  );
}
if (ONLY === undefined || ONLY === 'verify') {
  results.push(
    await runVerify('verify (3 wrong codes per class per round): Auth0 at 0 ms', {
      cacheSeconds: 60,
      auth0LatencyMs: 0,
    }),
  );
  results.push(
    await runVerify('verify (3 wrong codes per class per round): Auth0 at 100 ms', {
      cacheSeconds: 60,
      auth0LatencyMs: 100,
    }),
  );
}
if (ONLY === undefined || ONLY === 'race') {
  for (const startLatencyMs of [0, 300])
    results.push(
      await runRace(
        `start→verify race: a wrong code right after a new start, Auth0's start at ${startLatencyMs} ms`,
        {
          cacheSeconds: 60,
          auth0LatencyMs: 0,
          startLatencyMs,
        },
      ),
    );
}
console.log(
  `\nJSON ${JSON.stringify({ node: process.version, rounds: ROUNDS, verifyRounds: VERIFY_ROUNDS, raceRounds: RACE_ROUNDS, results })}`,
);
