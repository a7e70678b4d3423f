// Timing benchmark for no-enumeration (abuse-resistance issue): 200 starts each for an
// eligible, an ineligible and an unknown address, interleaved in a random order per round,
// against the built API and in-process emulators on loopback. Prints medians and p90s per
// class, with the eligibility cache on (the default) and off (every start asks Salesforce),
// and with Auth0 answering slowly (100 ms) to show its latency never reaches the answer.
// The server (API + emulators) runs in a child process, so the measuring client shares no
// event loop with it, as an attacker would not.
//   npm run bench:timing -w @portcullis/api      (after npm run build)
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
  });
  const app = await createApp(config, { logSink: () => {} });
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: app.getHttpServer().address().port }));
}

async function run(label, options) {
  const child = spawn(
    process.execPath,
    [new URL(import.meta.url).pathname, '--serve', JSON.stringify(options)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  const { port } = JSON.parse(line);
  const url = `http://127.0.0.1:${port}/api/auth/passwordless/start`;
  const post = async (email) => {
    const t0 = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`start answered ${res.status}`);
    return performance.now() - t0;
  };
  try {
    // Warm-up: connections, JIT, the Salesforce login.
    for (let i = 0; i < 20; i++) for (const email of Object.values(CLASSES)) await post(email);
    const samples = Object.fromEntries(Object.keys(CLASSES).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = Object.keys(CLASSES).sort(() => Math.random() - 0.5);
      for (const k of order) samples[k].push(await post(CLASSES[k]));
    }
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
    return { label, rows };
  } finally {
    child.kill();
  }
}

if (process.argv[2] === '--serve') {
  await serve(JSON.parse(process.argv[3]));
  await new Promise(() => {});
}

const results = [];
results.push(
  await run('eligibility cache on (default), Auth0 at 100 ms', {
    cacheSeconds: 60,
    auth0LatencyMs: 100,
  }),
);
results.push(
  await run('eligibility cache off (every start queries Salesforce), Auth0 at 100 ms', {
    cacheSeconds: 0,
    auth0LatencyMs: 100,
  }),
);
console.log(`\nJSON ${JSON.stringify({ node: process.version, rounds: ROUNDS, results })}`);
