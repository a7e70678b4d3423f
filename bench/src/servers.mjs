// @ts-check
// Child processes under test: spawning (pinned to their own core when taskset exists),
// waiting for the first 200, and reading their CPU time and RSS from /proc.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from '@portcullis/emulators/testing';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * @typedef {object} Server A server under test in a child process.
 * @property {string} name
 * @property {string} url http://127.0.0.1:PORT
 * @property {number} port
 * @property {number} pid
 * @property {import('node:child_process').ChildProcess} child
 * @property {number} readyMs from spawn to the first 200 on its ready path
 * @property {() => string} output its last lines of output
 * @property {() => number} cpuMicros its CPU time so far (µs)
 * @property {() => number} rssKb its resident set size (kB)
 * @property {() => Promise<void>} stop
 */

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

/**
 * User + system CPU time of a process so far, in microseconds (from /proc/<pid>/stat).
 * @param {number} pid
 */
export function cpuMicros(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime), counted from 1; fields[0] here is field 3.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLK_TCK;
}

/**
 * Resident set size of a process in kB (VmRSS from /proc/<pid>/status).
 * @param {number} pid
 */
export function rssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : NaN;
}

/**
 * Polls `url` until it answers 200; returns the milliseconds since `since`. Bounded.
 * @param {string} url
 * @param {{ since?: number, timeoutMs?: number, child?: import('node:child_process').ChildProcess }} [options]
 */
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
 * @param {{ name: string, args: string[], env: Record<string, string>, pin: boolean, readyPath?: string }} options
 * @returns {Promise<Server>}
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
  /** @type {string[]} */
  const tail = [];
  /** @param {Buffer} chunk */
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
  const pid = child.pid ?? 0;
  const output = () => tail.join('\n');
  const stop = () => stopChild(child);
  try {
    const readyMs = await waitForOk(url + readyPath, { since: spawnedAt, child });
    return {
      name,
      url,
      port,
      pid,
      child,
      readyMs,
      output,
      cpuMicros: () => cpuMicros(pid),
      rssKb: () => rssKb(pid),
      stop,
    };
  } catch (err) {
    await stop();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${name} did not start: ${message}\n${output()}`, { cause: err });
  }
}

/**
 * SIGTERM, then SIGKILL after 3 s; resolves once the child has exited.
 * @param {import('node:child_process').ChildProcess} child
 */
export async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
