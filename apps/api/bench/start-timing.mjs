// Timing benchmark for no-enumeration (abuse-resistance issues): eligible, ineligible and
// unknown addresses, interleaved in a random order per round, against the built API and
// in-process emulators on loopback. Prints medians and p90s per class.
// - start: 200 starts per class, with the eligibility cache on (the default) and off (every
//   start asks Salesforce), with Auth0 answering slowly (100 ms) to show its latency never
//   reaches the answer;
// - verify: per round, a start for each class, then three wrong codes each (the answers
//   must be invalid_code, invalid_code, too_many_attempts for every class), with Auth0 at
//   0 ms and at 100 ms: every class pays the same Auth0 round trip.
// The server (API + emulators) runs in a child process, so the measuring client shares no
// event loop with it, as an attacker would not.
//   npm run bench:timing -w @portcullis/api      (after npm run build)
//   ROUNDS=200 VERIFY_ROUNDS=60 ONLY=verify npm run bench:timing -w @portcullis/api
import { createRequire } from 'node:module';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startAuth0Emulator, startSalesforceEmulator } from '@portcullis/emulators';

const require = createRequire(import.meta.url);
const { createApp } = require('../dist/app.js');
const { loadConfig } = require('../dist/config/config.js');

const ROUNDS = Number(process.env.ROUNDS ?? 200);
const VERIFY_ROUNDS = Number(process.env.VERIFY_ROUNDS ?? 60);
const ONLY = process.env.ONLY; // 'start' | 'verify' | undefined (both)
const CLASSES = {
  eligible: 'ada.lovelace@example.com',
  ineligible: 'charles.babbage@example.com',
  unknown: 'nobody.at.all@example.com',
};

function quantile(sorted, q) {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

async function serve({ cacheSeconds, auth0LatencyMs }) {
  const auth0 = await startAuth0Emulator({ port: 0, log: () => {} });
  const salesforce = await startSalesforceEmulator({ port: 0 });
  if (auth0LatencyMs) auth0.setFaults({ latencyMs: auth0LatencyMs });
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    AUTH0_DOMAIN: auth0.domain,
    AUTH0_CLIENT_ID: auth0.clientId,
    AUTH0_CLIENT_SECRET: auth0.clientSecret,
    AUTH0_AUDIENCE: auth0.audience,
    SALESFORCE_LOGIN_URL: salesforce.url,
    SALESFORCE_CLIENT_ID: 'portcullis-dev',
    SALESFORCE_CLIENT_SECRET: 'portcullis-dev-secret',
    SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
    ELIGIBILITY_CACHE_SECONDS: String(cacheSeconds),
    // The limits would stop the benchmark; they are not what is measured here.
    CODE_RESEND_SECONDS: '0',
    CODES_PER_EMAIL_PER_HOUR: '1000000',
    STARTS_PER_IP_PER_HOUR: '100000',
    STARTS_GLOBAL_PER_MINUTE: '1000000',
    FAILED_CODES_PER_EMAIL: '1000000',
    FAILED_CODES_PER_IP_PER_HOUR: '1000000',
  });
  const app = await createApp(config, { logSink: () => {} });
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: app.getHttpServer().address().port, auth0: auth0.url }));
}

/** Starts a server child process; returns its URLs and a stop function. */
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

const shuffled = (keys) => [...keys].sort(() => Math.random() - 0.5);

async function runStart(label, options) {
  const server = await spawnServer(options);
  const url = `${server.api}/api/auth/passwordless/start`;
  const start = async (email) => {
    const r = await post(url, { email });
    if (r.status !== 202) throw new Error(`start answered ${r.status}`);
    return r.ms;
  };
  try {
    // Warm-up: connections, JIT, the Salesforce login.
    for (let i = 0; i < 20; i++) for (const email of Object.values(CLASSES)) await start(email);
    const samples = Object.fromEntries(Object.keys(CLASSES).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const k of shuffled(Object.keys(CLASSES))) samples[k].push(await start(CLASSES[k]));
    }
    return table(label, samples);
  } finally {
    server.stop();
  }
}

/** The newest code the Auth0 emulator sent to `email`, once there are more than `known`. */
async function codeFor(server, email, known) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${server.auth0}/__emulator/outbox?email=${encodeURIComponent(email)}`);
    const { messages } = await res.json();
    if (messages.length > known) return { code: messages[0].code, count: messages.length };
    if (Date.now() > deadline) throw new Error(`no code for ${email}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function runVerify(label, options) {
  const server = await spawnServer(options);
  const startUrl = `${server.api}/api/auth/passwordless/start`;
  const verifyUrl = `${server.api}/api/auth/passwordless/verify`;
  const EXPECTED = ['401 invalid_code', '401 invalid_code', '429 too_many_attempts'];
  let sent = 0;
  /** A start per class (a fresh code or decoy each), then wrong codes that are wrong for sure. */
  const newRound = async () => {
    for (const k of shuffled(Object.keys(CLASSES))) {
      const r = await post(startUrl, { email: CLASSES[k] });
      if (r.status !== 202) throw new Error(`start answered ${r.status}`);
    }
    const { code, count } = await codeFor(server, CLASSES.eligible, sent);
    sent = count;
    return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  };
  const round = async (samples) => {
    const wrong = await newRound();
    for (let attempt = 0; attempt < 3; attempt++) {
      for (const k of shuffled(Object.keys(CLASSES))) {
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
    const samples = Object.fromEntries(Object.keys(CLASSES).map((k) => [k, []]));
    for (let r = 0; r < VERIFY_ROUNDS; r++) await round(samples);
    return table(label, samples);
  } finally {
    server.stop();
  }
}

if (process.argv[2] === '--serve') {
  await serve(JSON.parse(process.argv[3]));
  await new Promise(() => {});
}

const results = [];
if (ONLY !== 'verify') {
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
if (ONLY !== 'start') {
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
console.log(
  `\nJSON ${JSON.stringify({ node: process.version, rounds: ROUNDS, verifyRounds: VERIFY_ROUNDS, results })}`,
);
