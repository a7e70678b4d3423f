// @ts-check
// The shared-state part of the report (issue 11): Redis and two API instances.
import { fmt, printTable } from './format.mjs';

/** @typedef {import('./doc.js').BenchDoc} BenchDoc */
/** @typedef {import('../run/runner.mjs').MergedRun} MergedRun */

/**
 * @param {BenchDoc} doc
 * @param {(id: string) => MergedRun | undefined} r the runs by id
 */
export function reportSharedState(doc, r) {
  const red = doc.redis;
  const s = doc.signIn;
  console.log('\nShared state: Redis and two API instances');
  if (!red?.available) {
    console.log(`  n/a: ${red?.reason ?? 'not run'}`);
    return;
  }
  /**
   * @param {MergedRun | undefined} a
   * @param {MergedRun | undefined} b
   */
  const ratio0 = (a, b) => (a && b ? a.rps / b.rps : NaN);
  printTable(
    ['measure', 'value'],
    [
      [
        '/api/me, one cookie ÷ health, same Redis-backed instance (R2 ÷ R1)',
        `${fmt(ratio0(r('R2'), r('R1')), 2)}×`,
      ],
      [
        `/api/me, ${red.sessions} cookies ÷ health (R3 ÷ R1)`,
        `${fmt(ratio0(r('R3'), r('R1')), 2)}×`,
      ],
      [
        'logout on A refused on B: p50 / p99 / max',
        `${fmt(red.propagation?.p50Ms, 2)} / ${fmt(red.propagation?.p99Ms, 2)} / ${fmt(red.propagation?.maxMs, 2)} ms (${red.propagation?.sessions} sessions)`,
      ],
      [
        'sign-ins per second, 10 clients: Redis / in memory',
        `${fmt(red.signIn?.loaded.perSecond, 1)} / ${fmt(s?.loaded.perSecond, 1)}`,
      ],
      [
        'sign-in p50, 10 clients: Redis / in memory',
        `${fmt(red.signIn?.loaded.p50Ms, 2)} / ${fmt(s?.loaded.p50Ms, 2)} ms`,
      ],
      [
        'Redis memory per session (used_memory delta ÷ sessions)',
        `${fmt(red.bytesPerSession)} bytes`,
      ],
    ],
  );
}
