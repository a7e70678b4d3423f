// @ts-check
// The run's bookkeeping: the log with elapsed seconds, the servers under test (so a failure
// can print their output and everything is stopped at the end), and the load runs, repeated
// in interleaved rounds and merged to the best round.
import { performance } from 'node:perf_hooks';
import { fmt } from '../report/format.mjs';
import { loadRun, round } from '../load.mjs';
import { startServer } from '../servers.mjs';

/** @typedef {import('../servers.mjs').Server} Server */
/** @typedef {import('../load.mjs').LoadResult} LoadResult */
/** @typedef {import('../load.mjs').LoadOptions & { id: string, server: Server }} RunSpec */
/** @typedef {LoadResult & { rssMbAfter?: number }} RoundResult */
/**
 * @typedef {RoundResult & {
 *   id: string,
 *   rounds: Array<Pick<RoundResult, 'rps' | 'p50Ms' | 'p99Ms' | 'cpuUsPerReq' | 'serverCorePct' | 'benchCorePct' | 'requests'>>,
 *   ratioToHealth?: number | null,
 * }} MergedRun
 */

export const began = performance.now();

/** @param {string} msg */
export const log = (msg) =>
  console.log(`[bench ${((performance.now() - began) / 1000).toFixed(1).padStart(5)} s] ${msg}`);

/**
 * Keeps the round with the highest req/s; errors and non-2xx add up over all rounds.
 * @param {string} id
 * @param {RoundResult[]} rounds
 * @returns {MergedRun}
 */
function merge(id, rounds) {
  const best = rounds.reduce((a, b) => (b.rps > a.rps ? b : a));
  /** @param {'errors' | 'timeouts' | 'non2xx'} key */
  const sum = (key) => rounds.reduce((total, x) => total + (x[key] ?? 0), 0);
  return {
    id,
    ...best,
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    non2xx: sum('non2xx'),
    rounds: rounds.map((x) => ({
      rps: x.rps,
      p50Ms: x.p50Ms,
      p99Ms: x.p99Ms,
      cpuUsPerReq: x.cpuUsPerReq,
      serverCorePct: x.serverCorePct,
      benchCorePct: x.benchCorePct,
      requests: x.requests,
    })),
  };
}

/**
 * @param {{ pinning: boolean, rounds: number, duration: number, warmup: number }} settings
 */
export function createRunner({ pinning, rounds, duration, warmup }) {
  /** @type {MergedRun[]} */
  const runs = [];
  /** @type {Set<Server>} */
  const children = new Set();
  return {
    runs,
    children,
    /**
     * @param {string} name
     * @param {string[]} args
     * @param {Record<string, string>} env
     */
    async start(name, args, env) {
      const server = await startServer({ name, args, env, pin: pinning });
      children.add(server);
      return server;
    },
    /** @param {Server | undefined} server */
    async stop(server) {
      if (!server) return;
      await server.stop();
      children.delete(server);
    },
    /**
     * Runs the specs one after another, `rounds` times interleaved (1, 2, 3, 1, 2, 3: a
     * burst of outside load hits one round of a run, not all of them); `amount` runs (every
     * token once) run in the first round only.
     * @param {RunSpec[]} specs
     */
    async runAll(specs) {
      /** @type {Map<string, RoundResult[]>} */
      const results = new Map(specs.map((spec) => [spec.id, []]));
      for (let pass = 1; pass <= rounds; pass++) {
        for (const { id, ...options } of specs) {
          if (pass > 1 && options.amount) continue;
          log(`run ${id}${rounds > 1 ? ` (round ${pass})` : ''}: ${options.name}`);
          /** @type {RoundResult} */
          const result = await loadRun({ duration, warmup, ...options });
          result.rssMbAfter = round(options.server.rssKb() / 1024, 1);
          results.get(id)?.push(result);
          log(
            `  ${fmt(result.rps)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ` +
              `${result.cpuUsPerReq} µs CPU/req, errors ${result.errors}, non-2xx ${result.non2xx}`,
          );
        }
      }
      for (const [id, list] of results) runs.push(merge(id, list));
    },
  };
}

/** @typedef {ReturnType<typeof createRunner>} Runner */
