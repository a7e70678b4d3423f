// Child processes under test: spawning (pinned to their own core when taskset exists),
// waiting for the first 200, and reading their CPU time and RSS from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** The core the servers run on; the bench process (load generator, emulators) takes core 0. */
export const SERVER_CORE = 1;
export const BENCH_CORE = 0;

const CLK_TCK = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(out.stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

/** Whether processes can be pinned: taskset present and at least two cores. */
export function pinningAvailable() {
  if (availableParallelism() < 2) return false;
  const probe = spawnSync('taskset', ['--version'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** Pins every thread of this process to the bench core. Returns whether it worked. */
export function pinSelf() {
  const out = spawnSync('taskset', ['-a', '-cp', String(BENCH_CORE), String(process.pid)], {
    stdio: 'ignore',
  });
  return out.status === 0;
}

/** A port that was free a moment ago, on loopback. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** User + system CPU time of a process so far, in microseconds (from /proc/<pid>/stat). */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime), counted from 1; fields[0] here is field 3.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLK_TCK;
}

/** Resident set size of a process in kB (VmRSS from /proc/<pid>/status). */
export function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : NaN;
}

/** Polls `url` until it answers 200; returns the milliseconds since `since`. Bounded. */
export async function waitForOk(
  url,
  { since = performance.now(), timeoutMs = 20_000, child } = {},
) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) {
      throw new Error(`process exited with code ${child.exitCode} before ${url} answered`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline)
      throw new Error(`${url} did not answer 200 in ${timeoutMs} ms`);
    await sleep(5);
  }
}

/**
 * Spawns `node <args>` (through `taskset -c 1` when pinning), on a free loopback port given
 * as PORT, and waits for `readyPath` to answer 200. Keeps the last lines of its output for
 * error reports.
 */
export async function startServer({ name, args, env, pin, readyPath = '/api/health/live' }) {
  const port = await freePort();
  const command = pin ? 'taskset' : process.execPath;
  const argv = pin ? ['-c', String(SERVER_CORE), process.execPath, ...args] : args;
  const spawnedAt = performance.now();
  const child = spawn(command, argv, {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = [];
  const keep = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  const server = {
    name,
    url,
    port,
    pid: child.pid,
    child,
    output: () => tail.join('\n'),
    cpuMicros: () => cpuMicros(child.pid),
    rssKb: () => rssKb(child.pid),
    stop: () => stopChild(child),
  };
  try {
    server.readyMs = await waitForOk(url + readyPath, { since: spawnedAt, child });
  } catch (err) {
    await server.stop();
    throw new Error(`${name} did not start: ${err.message}\n${server.output()}`, { cause: err });
  }
  return server;
}

/** SIGTERM, then SIGKILL after 3 s; resolves once the child has exited. */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** How the API runs, as `npm start` runs it: a small young generation and a capped old one
 * keep V8 from holding on to hundreds of MB of heap pages (README, "Performance"). */
export const API_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=384'];

/** The API's environment against the emulators, quiet, with the abuse limits out of the way. */
export function apiEnv(auth0, salesforce) {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    AUTH0_DOMAIN: auth0.domain,
    AUTH0_CLIENT_ID: auth0.clientId,
    AUTH0_CLIENT_SECRET: auth0.clientSecret,
    AUTH0_AUDIENCE: auth0.audience,
    SALESFORCE_LOGIN_URL: salesforce.url,
    SALESFORCE_CLIENT_ID: 'portcullis-dev',
    SALESFORCE_CLIENT_SECRET: 'portcullis-dev-secret',
    SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
    // The abuse limits would stop the benchmark; they are not what is measured here.
    CODE_RESEND_SECONDS: '0',
    CODES_PER_EMAIL_PER_HOUR: '1000000',
    STARTS_PER_IP_PER_HOUR: '100000', // the API's maximum for this setting
    STARTS_GLOBAL_PER_MINUTE: '1000000',
    FAILED_CODES_PER_EMAIL: '1000000',
    FAILED_CODES_PER_IP_PER_HOUR: '1000000',
  };
}
