// @ts-check
// The report: an aligned table of the runs, the derived auth costs, the targets (✓/✗), and
// a JSON document in bench/results/latest.json (the previous one is kept as previous.json
// and compared against, run by run). One file per part, under report/.
import path from 'node:path';
import { round } from './load.mjs';
import { derive, reportDerived } from './report/derived.mjs';
import { fmt } from './report/format.mjs';
import { loadPrevious, writeResults } from './report/results.mjs';
import { reportRuns } from './report/runs.mjs';
import { reportSharedState } from './report/shared-state.mjs';
import { reportSignIn } from './report/sign-in.mjs';
import { erroredRuns, printTargets, signInErrors, targets } from './report/targets.mjs';

/** @typedef {import('./report/doc.js').BenchDoc} BenchDoc */

/**
 * Derived numbers, the tables, the targets and the JSON document. `failures` (steps that
 * failed) gains every run with errors or non-2xx. Returns the exit code.
 * @param {BenchDoc} doc
 * @param {string[]} failures
 */
export async function report(doc, failures) {
  const byId = new Map(doc.runs.map((r) => [r.id, r]));
  /** @param {string} id */
  const r = (id) => byId.get(id);
  const ceiling = r('1')?.rps;
  for (const run of doc.runs) run.ratioToHealth = ceiling ? round(run.rps / ceiling, 3) : null;
  const d = derive(doc, r);
  doc.derived = d;

  const previous = await loadPrevious();
  reportRuns(doc, ceiling, previous);
  reportSignIn(doc.signIn);
  reportDerived(doc, d);
  reportSharedState(doc, r);

  doc.targets = targets(doc, r, d);
  console.log('\nTargets');
  printTargets(doc.targets);

  // Exit code: any error or non-2xx under load, a failed sign-in, or a step that failed.
  for (const x of erroredRuns(doc)) {
    failures.push(
      `run ${x.id}: ${x.errors} errors, ${x.timeouts} timeouts, ${x.non2xx} non-2xx (${JSON.stringify(x.statusCodes)})`,
    );
  }
  const failedSignIns = signInErrors(doc);
  if (failedSignIns > 0) failures.push(`${failedSignIns} sign-in errors`);
  doc.failures = failures;
  doc.ok = failures.length === 0;
  const file = await writeResults(doc);
  console.log(
    `\nJSON: ${path.relative(process.cwd(), file)}; total ${fmt(doc.elapsedSeconds, 1)} s`,
  );
  if (failures.length > 0) {
    console.log('\nFAILED:');
    for (const f of failures) console.log(`  ${f}`);
    return 1;
  }
  return 0;
}
