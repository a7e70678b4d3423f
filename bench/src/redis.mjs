// @ts-check
// The shared-state runs (issue 11): a real redis-server (Debian's package) started here on a
// free loopback port without persistence, and two API instances on it. Measured: /api/me with
// a cookie against health on a Redis-backed instance (the hot path must stay in process), how
// fast a logout on instance A is refused on instance B (pub/sub), sign-ins per second with
// Redis, and Redis memory per session.
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { quantile, round } from './load.mjs';
import { startRedis } from '@portcullis/emulators/testing';

/** @typedef {Awaited<ReturnType<typeof revocationPropagation>>} Propagation */

export function redisAvailable() {
  return (
    spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli'], {
      stdio: 'ignore',
    }).status === 0
  );
}

/**
 * @param {number} port
 * @param {...string} args
 */
function cli(port, ...args) {
  const out = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${out.stderr}`);
  return out.stdout.trim();
}

/** redis-server on a free port, no persistence (the shared starter); `stop()` ends it. */
export async function startRedisServer() {
  const redis = await startRedis();
  const { port } = redis;
  return {
    ...redis,
    usedMemory: () => Number(/used_memory:(\d+)/.exec(cli(port, 'INFO', 'memory'))?.[1] ?? NaN),
    keys: () => Number(cli(port, 'DBSIZE')),
  };
}

/**
 * @param {string} url
 * @param {string} cookie
 */
async function status(url, cookie, method = 'GET') {
  const res = await fetch(url, { method, headers: { cookie }, signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.status;
}

/**
 * For each session: used on B (so B has it cached), logged out on A, then B polled until it
 * refuses the cookie. Milliseconds from the logout's answer to B's first 401.
 * @param {{ url: string }} a
 * @param {{ url: string }} b
 * @param {string[]} cookies
 */
export async function revocationPropagation(a, b, cookies) {
  /** @type {number[]} */
  const samples = [];
  /** @type {string[]} */
  const failures = [];
  for (const cookie of cookies) {
    if ((await status(`${b.url}/api/me`, cookie)) !== 200) {
      failures.push('not usable on B before the logout');
      continue;
    }
    if ((await status(`${a.url}/api/auth/logout`, cookie, 'POST')) !== 204) {
      failures.push('logout on A failed');
      continue;
    }
    const t0 = performance.now();
    for (;;) {
      const code = await status(`${b.url}/api/me`, cookie);
      if (code === 401) break;
      if (performance.now() - t0 > 10_000) {
        failures.push('still accepted on B after 10 s');
        break;
      }
    }
    samples.push(performance.now() - t0);
  }
  const sorted = Float64Array.from(samples).sort();
  return {
    sessions: samples.length,
    p50Ms: round(quantile(sorted, 0.5), 2),
    p99Ms: round(quantile(sorted, 0.99), 2),
    maxMs: round(sorted.at(-1) ?? NaN, 2),
    failures,
  };
}
