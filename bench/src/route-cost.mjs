// @ts-check
// The API's own cost per request, route by route, without sockets: the built app in this
// process, requests through Fastify's inject (the same router, hooks, Nest pipeline and
// guard as a real request), many thousands of them interleaved in rounds. Loopback load in
// a sandbox is noisy (±15%); this isolates what our code and the framework add, so a change
// of a few µs shows. A development tool, not part of `npm run bench`:
//   npm run route-cost -w @portcullis/bench            (ROUTE_COST_N=20000 per route and round)
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { apiEnv, loadApi, startBenchEmulators } from './stack.mjs';
import { ADA, CodeWaiter, loginBearer, mintTokens } from './tokens.mjs';

const { createApp, loadConfig } = await loadApi();
const N = Number(process.env.ROUTE_COST_N) || 20_000;
const ROUNDS = 3;

const codes = new CodeWaiter();
const emulators = await startBenchEmulators(codes);
const { auth0 } = emulators;
const config = loadConfig(apiEnv(emulators));
const app = await createApp(config, {
  logSink: (line) => {
    if (process.env.ROUTE_COST_LOG) console.error(line);
  },
});
await app.init();
const fastify = app.getHttpAdapter().getInstance();
await fastify.ready();

/**
 * @param {{ url: string, method?: 'GET' | 'POST', payload?: object, headers?: Record<string, string> }} options
 * @returns {Promise<import('light-my-request').Response>}
 */
async function inject(options) {
  const res = await fastify.inject(options);
  if (res.statusCode >= 300) throw new Error(`${options.url}: ${res.statusCode} ${res.body}`);
  return res;
}

// A real sign-in through the API for the cookie; a real Auth0 login for the Bearer token.
const known = codes.count(ADA);
await inject({
  method: 'POST',
  url: '/api/auth/passwordless/start',
  payload: { email: ADA },
  headers: { 'content-type': 'application/json' },
});
const code = await codes.next(ADA, known);
const verified = await inject({
  method: 'POST',
  url: '/api/auth/passwordless/verify',
  payload: { email: ADA, code },
  headers: { 'content-type': 'application/json' },
});
const cookie = verified.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
const bearer = await loginBearer(auth0, codes, ADA);
// Signing is slow (≈1 ms a token), so the cache-miss route runs fewer requests.
const MISS_N = Math.min(N, 4000);
const distinct = mintTokens(auth0, (MISS_N + 200) * ROUNDS);
let nextDistinct = 0;
// Signing blocked the event loop for seconds: let idle keep-alive sockets to the emulator
// close before the first request (one would otherwise be reused dead, and fail a key fetch).
await new Promise((resolve) => setTimeout(resolve, 100));

/**
 * @typedef {object} Route
 * @property {string} name
 * @property {string} url
 * @property {() => Record<string, string>} headers
 * @property {number} [n] requests per round (default N)
 * @property {number} [warmup] requests before each round (default 500)
 */
/** @type {Route[]} */
const routes = [
  { name: 'health (public)', url: '/api/health/live', headers: () => ({}) },
  { name: 'greeting, cookie', url: '/api/greeting', headers: () => ({ cookie }) },
  { name: 'me, cookie', url: '/api/me', headers: () => ({ cookie }) },
  {
    name: 'greeting, Bearer',
    url: '/api/greeting',
    headers: () => ({ authorization: `Bearer ${bearer}` }),
  },
  { name: 'me, Bearer', url: '/api/me', headers: () => ({ authorization: `Bearer ${bearer}` }) },
  {
    name: 'greeting, new Bearer each time (miss)',
    url: '/api/greeting',
    headers: () => ({ authorization: `Bearer ${distinct[nextDistinct++] ?? ''}` }),
    n: MISS_N,
    warmup: 200,
  },
];

// ROUTE_COST_ONLY=miss: only the routes whose name contains it (plus health, the base).
const only = process.env.ROUTE_COST_ONLY;
if (only) routes.splice(1, routes.length, ...routes.slice(1).filter((r) => r.name.includes(only)));
// ROUTE_COST_PROFILE=dir: a CPU profile of each route's last measured round, nothing else.
const profileDir = process.env.ROUTE_COST_PROFILE;
async function startProfiler() {
  const session = new Session();
  session.connect();
  // ROUTE_COST_HEAP=1: a heap profile instead, of what outlived a scavenge (what the young
  // generation had to copy or promote).
  const heap = process.env.ROUTE_COST_HEAP === '1';
  if (heap) {
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: false,
    });
  } else {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  return {
    /** @param {string} name */
    async stop(name) {
      const base = path.join(profileDir ?? '.', name.replace(/[^a-z0-9]+/gi, '-'));
      if (heap) {
        const { profile } = await session.post('HeapProfiler.stopSampling');
        writeFileSync(`${base}.heapprofile`, JSON.stringify(profile));
      } else {
        const { profile } = await session.post('Profiler.stop');
        writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
      }
      session.disconnect();
    },
  };
}
/** @type {Map<string, number[]>} */
const results = new Map(routes.map((r) => [r.name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const route of routes) {
    const n = route.n ?? N;
    for (let i = 0; i < (route.warmup ?? 500); i++) {
      await inject({ url: route.url, headers: route.headers() });
    }
    const profiler = profileDir && round === ROUNDS - 1 ? await startProfiler() : undefined;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await inject({ url: route.url, headers: route.headers() });
    const cpu = process.cpuUsage(cpu0);
    if (profiler) await profiler.stop(route.name);
    results.get(route.name)?.push((cpu.user + cpu.system) / n);
  }
}
/** @param {string} name */
const best = (name) => Math.min(...(results.get(name) ?? []));
const base = best(routes[0]?.name ?? '');
console.log(`CPU µs per request (best of ${ROUNDS} rounds of ${N}), and above health:`);
for (const route of routes) {
  const us = best(route.name);
  console.log(
    `${route.name.padEnd(40)} ${us.toFixed(1).padStart(7)}  ${(us - base).toFixed(1).padStart(7)}`,
  );
}
await app.close();
await emulators.stop();
