// @ts-check
// The report's first part: what ran where, and the table of the load runs (req/s against run
// 1 and against the previous results), with the notes that explain its columns.
import { fmt, printTable, SATURATED_PCT } from './format.mjs';

/** @typedef {import('./doc.js').BenchDoc} BenchDoc */
/** @typedef {import('../run/runner.mjs').MergedRun} MergedRun */

/**
 * @param {MergedRun[]} runs
 * @param {number | undefined} ceiling req/s of run 1
 * @param {BenchDoc | undefined} previous
 */
function printRuns(runs, ceiling, previous) {
  const before = new Map((previous?.runs ?? []).map((r) => [r.id, r]));
  const header = [
    'id',
    'server',
    'run',
    'req/s',
    '×(1)',
    'p50 ms',
    'p99 ms',
    'errors',
    'non-2xx',
    'CPU µs/req',
    'srv core',
    'gen core',
    'cap req/s',
    'requests',
    'RSS MB',
  ];
  if (previous) header.push('req/s vs last');
  const rows = runs.map((r) => {
    const row = [
      r.id,
      r.server,
      r.name,
      `${fmt(r.rps)}${r.serverCorePct < SATURATED_PCT ? '*' : ''}`,
      r.rps && ceiling ? `${fmt(r.rps / ceiling, 2)}×` : 'n/a',
      fmt(r.p50Ms, 3),
      fmt(r.p99Ms, 3),
      fmt(r.errors + (r.timeouts ?? 0)),
      fmt(r.non2xx),
      fmt(r.cpuUsPerReq, 1),
      r.serverCorePct === undefined ? 'n/a' : `${fmt(r.serverCorePct)}%`,
      r.benchCorePct === undefined ? 'n/a' : `${fmt(r.benchCorePct)}%`,
      fmt(r.capacityRps),
      fmt(r.requests),
      fmt(r.rssMbAfter, 0),
    ];
    if (previous) {
      const last = before.get(r.id);
      row.push(
        last?.rps
          ? `${r.rps >= last.rps ? '+' : ''}${fmt((r.rps / last.rps - 1) * 100, 1)}%`
          : 'n/a',
      );
    }
    return row;
  });
  printTable(header, rows);
}

/**
 * The heading, the runs table and its notes.
 * @param {BenchDoc} doc
 * @param {number | undefined} ceiling req/s of run 1
 * @param {BenchDoc | undefined} previous
 */
export function reportRuns(doc, ceiling, previous) {
  const { connections, durationSeconds, warmupSeconds, rounds, missTokens, warmupTokens } =
    doc.settings;
  console.log('\n=== Portcullis benchmark ===');
  console.log(
    `node ${doc.node}, ${doc.machine.cpus} cores (${doc.machine.model}), load average ` +
      `${fmt(doc.machine.loadAverage1mBefore, 2)} before the run; pinning ` +
      (doc.pinning.applied
        ? `applied: servers on core ${doc.pinning.serverCore}, load generator + emulators on core ${doc.pinning.benchCore}`
        : 'NOT applied'),
  );
  console.log(
    `autocannon: ${connections} connections, ${warmupSeconds} s warm-up, ${durationSeconds} s per run ` +
      `(3b/T3: exactly ${missTokens} requests, one token each, after ${warmupTokens} warm-up requests with other tokens)\n`,
  );
  printRuns(doc.runs, ceiling, previous);
  console.log(
    '\n×(1): req/s relative to run 1 (Portcullis health). CPU µs/req: server utime+stime over the run ÷ requests.' +
      '\nsrv core: server CPU time ÷ wall time (near 100% means the server was the bottleneck).' +
      '\n3b uses GET /api/greeting (guarded, pure auth): GET /api/me with Bearer calls Auth0 /userinfo and Salesforce once per new token.',
  );
  console.log(
    `* server core < ${SATURATED_PCT}% busy: the load generator or other processes on the host limited this run, ` +
      'so its req/s understates the server; cap req/s = 1e6 ÷ CPU µs/req is what the core could serve.',
  );
  if (rounds > 1) {
    console.log(
      `Each duration run: best of ${rounds} interleaved rounds by req/s (all rounds in the JSON); errors and non-2xx summed over all rounds.`,
    );
  }
  for (const run of doc.runs) {
    if (run.distinctValues === undefined) continue;
    console.log(
      run.eachValueOnce
        ? `  run ${run.id}: ${fmt(run.distinctValues)} distinct credentials, ${run.reusedValues ? 'SOME USED TWICE' : 'each used at most once'}`
        : `  run ${run.id}: ${fmt(run.distinctValues)} distinct credentials rotated`,
    );
  }
}
