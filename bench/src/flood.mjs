// @ts-check
// Flood benchmark (abuse-resistance issue): start requests, each from a new address and a new
// client IP (IPv6 documentation prefixes in X-Forwarded-For behind a trusted loopback proxy),
// at the default limits, well past the bound of the limits' store (200,000 keys). Every
// request leaves keys behind, so the store fills and then evicts. Prints, per window of
// requests: throughput, the answers, the store's size, and the latency of GET
// /api/health/live probed alongside. Both should stay flat once the store is full.
// The server (built API + emulators) runs in a child process; this process only loads it.
//   npm run bench:flood -w @portcullis/bench      (after npm run build)
//   FLOOD_REQUESTS=300000 FLOOD_CONCURRENCY=16 FLOOD_WINDOW=25000 FLOOD_MAX_SECONDS=600 \
//     npm run bench:flood -w @portcullis/bench
import { spawn } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { quantile } from './load.mjs';
import { baseEnv, loadApi, portOf, startBenchEmulators } from './stack.mjs';

const TOTAL = Number(process.env.FLOOD_REQUESTS ?? 300_000);
const CONCURRENCY = Number(process.env.FLOOD_CONCURRENCY ?? 16);
const WINDOW = Number(process.env.FLOOD_WINDOW ?? 25_000);
const PROBE_MS = 50;
/** A bound on the run's time as well as its count: a collapsed server must not hold it up. */
const MAX_SECONDS = Number(process.env.FLOOD_MAX_SECONDS ?? 600);

/** The server child: both emulators and the built API; prints its port, then the store's size. */
async function serve() {
  const emulators = await startBenchEmulators();
  const { createApp, loadConfig, CounterStore } = await loadApi();
  // The defaults of every limit: the flood meets them as it would in production.
  const config = loadConfig(baseEnv(emulators, { LOG_LEVEL: 'silent', TRUST_PROXY: 'loopback' }));
  const app = await createApp(config, { logSink: () => {} });
  await app.listen({ port: 0, host: '127.0.0.1' });
  /** @type {{ size: number }} */
  const store = app.get(CounterStore);
  console.log(JSON.stringify({ port: portOf(app.getHttpServer()) }));
  setInterval(() => console.log(JSON.stringify({ storeSize: store.size })), 250).unref();
}

if (process.argv[2] === '--serve') {
  await serve();
  await new Promise(() => {});
}

const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--serve'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let port = 0;
let storeSize = 0;
const ready = new Promise((/** @type {(value?: unknown) => void} */ resolve) => {
  createInterface({ input: child.stdout }).on('line', (line) => {
    /** @type {{ port?: number, storeSize?: number }} */
    const msg = JSON.parse(line);
    if (msg.port) {
      port = msg.port;
      resolve();
    }
    if (msg.storeSize !== undefined) storeSize = msg.storeSize;
  });
});
await ready;

const floodAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * @param {http.Agent} agent
 * @param {string} method
 * @param {string} path
 * @param {string} [body]
 * @param {http.OutgoingHttpHeaders} [headers]
 * @returns {Promise<{ status: number, ms: number }>}
 */
function request(agent, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** @param {number} n */
const hex = (n) => n.toString(16);
/** @param {number} i */
function start(i) {
  const body = JSON.stringify({ email: `flood-${i}@example.com` });
  return request(floodAgent, 'POST', '/api/auth/passwordless/start', body, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    // A new /64 for every request: the per-IP limit never stops the flood.
    'x-forwarded-for': `2001:db8:${hex((i >>> 16) & 0xffff)}:${hex(i & 0xffff)}::1`,
  });
}

/** @type {number[]} */
let probes = [];
let probing = true;
const prober = (async () => {
  while (probing) {
    const { ms } = await request(probeAgent, 'GET', '/api/health/live');
    probes.push(ms);
    await new Promise((r) => setTimeout(r, PROBE_MS));
  }
})();

/** @type {Array<Record<string, number | string>>} */
const rows = [];
let next = 0;
let done = 0;
let windowStart = performance.now();
/** @type {Record<number, number>} */
let statuses = {};
const deadline = performance.now() + MAX_SECONDS * 1000;
async function worker() {
  while (next < TOTAL && performance.now() < deadline) {
    const i = next++;
    const { status } = await start(i);
    statuses[status] = (statuses[status] ?? 0) + 1;
    done++;
    if (done % WINDOW === 0) {
      const now = performance.now();
      const sorted = [...probes].sort((a, b) => a - b);
      rows.push({
        requests: done,
        'req/s': Math.round(WINDOW / ((now - windowStart) / 1000)),
        answers: Object.entries(statuses)
          .map(([s, n]) => `${s}×${n}`)
          .join(' '),
        storeKeys: storeSize,
        'health p50 ms': +quantile(sorted, 0.5).toFixed(2),
        'health p99 ms': +quantile(sorted, 0.99).toFixed(2),
      });
      console.log(JSON.stringify(rows.at(-1)));
      probes = [];
      statuses = {};
      windowStart = now;
    }
  }
}
const t0 = performance.now();
await Promise.all(Array.from({ length: CONCURRENCY }, worker));
const seconds = (performance.now() - t0) / 1000;
probing = false;
await prober;
child.kill();
floodAgent.destroy();
probeAgent.destroy();
console.log(`\n${done} starts, ${CONCURRENCY} at a time, in ${seconds.toFixed(1)} s`);
if (done < TOTAL) console.log(`(stopped after FLOOD_MAX_SECONDS=${MAX_SECONDS})`);
console.table(rows);
console.log(
  `\nJSON ${JSON.stringify({ node: process.version, total: TOTAL, concurrency: CONCURRENCY, rows })}`,
);
