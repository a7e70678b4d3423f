// @ts-check
// Where does a route's time go? Starts the built API (pinned, as the benchmark does) with
// --cpu-prof, loads one route with autocannon, stops the API and prints the functions with
// the most self time. A development tool, not part of `npm run bench`:
//   npm run profile -w @portcullis/bench -- /api/me cookie      (also: bearer, none, miss)
//   PROFILE_SECONDS=5 (default)   the .cpuprofile is kept in .local/profiles/
//   PROFILE_CPU=0                 no profiler: just req/s and CPU µs/req (for A/B comparisons)
//   PROFILE_FLAGS="--trace-gc"    more node flags for the API (its output is printed at the end)
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadRun, rotation } from './load.mjs';
import { pinningAvailable, pinSelf, startServer } from './servers.mjs';
import { API_FLAGS, API_MAIN, ROOT, apiEnv, startBenchEmulators } from './stack.mjs';
import { CodeWaiter, ADA, loginBearer, makeSessions, mintTokens } from './tokens.mjs';

const OUT = path.join(ROOT, '.local', 'profiles');
const [route = '/api/health/live', auth = 'none'] = process.argv.slice(2);
const seconds = Number(process.env.PROFILE_SECONDS) || 5;
const profiling = process.env.PROFILE_CPU !== '0';

mkdirSync(OUT, { recursive: true });
const pin = pinningAvailable() && pinSelf();
const codes = new CodeWaiter();
const emulators = await startBenchEmulators(codes);
const { auth0 } = emulators;
// Signing 20,000 tokens takes a while: before the API starts, so the profile is the run.
const missTokens = auth === 'miss' ? mintTokens(auth0, 24_000) : [];
const before = new Set(readdirSync(OUT));
const api = await startServer({
  name: 'portcullis',
  pin,
  args: [
    ...API_FLAGS,
    ...(profiling ? ['--cpu-prof', `--cpu-prof-dir=${OUT}`] : []),
    ...(process.env.PROFILE_FLAGS ?? '').split(' ').filter(Boolean),
    API_MAIN,
  ],
  env: apiEnv(emulators),
});
try {
  /** @type {import('./load.mjs').LoadOptions} */
  const run = { name: `${route} (${auth})`, server: api, path: route, duration: seconds };
  if (auth === 'cookie') {
    const [cookie] = await makeSessions(api.url, codes, [ADA], 1);
    run.headers = { cookie: cookie ?? '' };
  } else if (auth === 'bearer') {
    run.headers = { authorization: `Bearer ${await loginBearer(auth0, codes, ADA)}` };
  } else if (auth === 'miss') {
    run.rotate = {
      header: 'authorization',
      prefix: 'Bearer ',
      source: rotation(missTokens),
    };
    run.amount = 20_000;
  }
  const threads0 = threadCpu(api.pid);
  const result = await loadRun(run);
  const threads1 = threadCpu(api.pid);
  /** @type {Map<string, number>} */
  const perThread = new Map();
  for (const [tid, { name, ticks }] of threads1) {
    const d = ticks - (threads0.get(tid)?.ticks ?? 0);
    perThread.set(name, (perThread.get(name) ?? 0) + d);
  }
  const requests = result.requests;
  console.log(
    'CPU per request by thread (µs, warm-up included in the ticks, so slightly high):',
    [...perThread]
      .filter(([, d]) => d > 0)
      .map(([name, d]) => `${name} ${((d * 10_000) / requests).toFixed(1)}`)
      .join(', '),
  );
  console.log(
    `${result.rps} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.cpuUsPerReq} µs CPU/req, non-2xx ${result.non2xx}`,
  );
} finally {
  await api.stop();
  if (process.env.PROFILE_FLAGS) console.log(api.output());
  await emulators.stop();
}

if (!profiling) process.exit(0);
/**
 * utime+stime clock ticks (1/100 s) of every thread of `pid`, by tid, with its name.
 * @param {number} pid
 */
function threadCpu(pid) {
  /** @type {Map<string, { name: string, ticks: number }>} */
  const out = new Map();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the thread ended
    }
  }
  return out;
}

const file = readdirSync(OUT).find((f) => !before.has(f) && f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile was written');
/**
 * @typedef {{ id: number, callFrame: { functionName: string, url: string, lineNumber: number } }} ProfileNode
 */
/** @type {{ nodes: ProfileNode[], samples: number[], timeDeltas: number[] }} */
const profile = JSON.parse(readFileSync(path.join(OUT, file), 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
/** @type {Map<string, number>} */
const self = new Map();
const dt = profile.timeDeltas;
let total = 0;
profile.samples.forEach((id, i) => {
  const n = byId.get(id);
  if (!n) return;
  const f = n.callFrame;
  const where = f.url
    ? `${f.url.replace(/^.*node_modules\//, '').replace(ROOT, '')}:${f.lineNumber + 1}`
    : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`;
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
  total += dt[i] ?? 0;
});
console.log(
  `profile: ${path.join(OUT, file)}; self time, top 40 of ${(total / 1000).toFixed(0)} ms`,
);
for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
  console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}
