// @ts-check
// The targets (issue 6, and issues 10 and 11), each met (✓), not met (✗) or unknown (?).
import { fmt, kb, SATURATED_PCT } from './format.mjs';

/** @typedef {import('./doc.js').BenchDoc} BenchDoc */
/** @typedef {import('./doc.js').Target} Target */
/** @typedef {import('./derived.mjs').Derived} Derived */
/** @typedef {import('../run/runner.mjs').MergedRun} MergedRun */

/**
 * @param {string} name
 * @param {string} value
 * @param {string} target
 * @param {boolean | undefined} met
 * @returns {Target}
 */
const check = (name, value, target, met) => ({ name, value, target, met });
/**
 * @param {number} x
 * @param {number} [digits]
 */
const n = (x, digits = 2) => (Number.isFinite(x) ? fmt(x, digits) : 'n/a');
/**
 * @param {MergedRun | undefined} a
 * @param {MergedRun | undefined} b
 */
const ratio = (a, b) => (a && b ? a.rps / b.rps : NaN);
/**
 * @param {MergedRun | undefined} a
 * @param {MergedRun | undefined} b
 */
const capRatio = (a, b) => (a && b ? a.capacityRps / b.capacityRps : NaN);
/**
 * The req/s ratio is the target; the capacity ratio says what it would be had both runs
 * saturated the server's core, and which runs did not.
 * @param {MergedRun | undefined} a
 * @param {MergedRun | undefined} b
 */
const rpsValue = (a, b) => {
  const unsaturated = [a, b].filter((x) => x && x.serverCorePct < SATURATED_PCT).map((x) => x?.id);
  return (
    `${n(ratio(a, b))}× (capacity ${n(capRatio(a, b))}×` +
    (unsaturated.length ? `; run ${unsaturated.join(', ')} not server-bound)` : ')')
  );
};
/**
 * @param {MergedRun | undefined} a
 * @param {MergedRun | undefined} b
 */
const p99Ratio = (a, b) => (a && b ? a.p99Ms / b.p99Ms : NaN);
/**
 * A throughput target: run `a` serves at least `min` times run `b`'s requests per second.
 * @param {string} name
 * @param {MergedRun | undefined} a
 * @param {MergedRun | undefined} b
 * @param {number} [min]
 */
const rpsCheck = (name, a, b, min = 0.85) =>
  check(name, rpsValue(a, b), `≥ ${min}×`, ratio(a, b) >= min);
/**
 * A latency target: run `a`'s p99 is at most twice run `b`'s.
 * @param {string} name
 * @param {MergedRun | undefined} a
 * @param {MergedRun | undefined} b
 */
const p99Check = (name, a, b) => check(name, `${n(p99Ratio(a, b))}×`, '≤ 2×', p99Ratio(a, b) <= 2);

/**
 * The runs with errors, timeouts or non-2xx answers.
 * @param {BenchDoc} doc
 */
export const erroredRuns = (doc) =>
  doc.runs.filter((x) => x.errors > 0 || x.timeouts > 0 || x.non2xx > 0);

/**
 * Failed sign-ins, in memory and with Redis.
 * @param {BenchDoc} doc
 */
export function signInErrors(doc) {
  const s = doc.signIn;
  const red = doc.redis?.available ? doc.redis : undefined;
  return (
    (s?.serial.errors ?? 0) +
    (s?.loaded.errors ?? 0) +
    (red?.signIn?.serial.errors ?? 0) +
    (red?.signIn?.loaded.errors ?? 0)
  );
}

/** @param {Target[]} targets */
export function printTargets(targets) {
  for (const t of targets) {
    const mark = t.met === undefined ? '?' : t.met ? '✓' : '✗';
    console.log(`${mark} ${t.name}: ${t.value} (target ${t.target})`);
  }
}

/**
 * @param {BenchDoc} doc
 * @param {(id: string) => MergedRun | undefined} r the runs by id
 * @param {Derived} d
 * @returns {Target[]}
 */
export function targets(doc, r, d) {
  const red = doc.redis?.available ? doc.redis : undefined;
  const spa = doc.spa?.available ? doc.spa : undefined;
  const verifyUs = d.rawVerifyUs ?? NaN;
  const errored = erroredRuns(doc);
  const failedSignIns = signInErrors(doc);
  const rssMb = doc.api ? (doc.api.rssKbAfterRuns ?? NaN) / 1024 : NaN;
  return [
    ...(red
      ? [
          rpsCheck(
            'Redis: /api/me, one cookie (R2) ÷ health (R1), same instance',
            r('R2'),
            r('R1'),
          ),
          rpsCheck(`Redis: /api/me, ${red.sessions} cookies (R3) ÷ health (R1)`, r('R3'), r('R1')),
          check(
            'Redis: logout on A refused on B, p99',
            `${n(red.propagation?.p99Ms ?? NaN, 1)} ms`,
            '≤ 1000 ms',
            (red.propagation?.p99Ms ?? NaN) <= 1000 && red.propagation?.failures.length === 0,
          ),
        ]
      : []),
    rpsCheck('/api/me, one cookie (2) ÷ health (1)', r('2'), r('1')),
    rpsCheck(`/api/me, ${doc.settings.sessions} cookies (3) ÷ health (1)`, r('3'), r('1')),
    check(
      '/api/me cookie (2) ÷ textbook /api/me (T2)',
      rpsValue(r('2'), r('T2')),
      '≥ 5×',
      d.cookieMeVsTextbookMe >= 5,
    ),
    check(
      'cache-miss auth cost (3b − 1) ÷ raw verify',
      `${n(d.cacheMissAuthUs, 1)} µs = ${n(d.cacheMissAuthUs / verifyUs)}×`,
      '≤ 3×',
      d.cacheMissAuthUs / verifyUs <= 3,
    ),
    check(
      'cache-hit auth cost, cookie (2 − 1)',
      `${n(d.cacheHitAuthCookieUs, 1)} µs`,
      '≤ 10 µs',
      d.cacheHitAuthCookieUs <= 10,
    ),
    check(
      'cache-hit auth cost, Bearer (4b − 1)',
      `${n(d.cacheHitAuthBearerUs, 1)} µs`,
      '≤ 10 µs',
      d.cacheHitAuthBearerUs <= 10,
    ),
    p99Check('p99 /api/me (2) ÷ p99 health (1)', r('2'), r('1')),
    p99Check(`p99 /api/me (3) ÷ p99 health (1)`, r('3'), r('1')),
    check(
      'errors and non-2xx under load (all runs, sign-ins)',
      errored.length === 0 && failedSignIns === 0
        ? '0'
        : `runs ${errored.map((x) => x.id).join(', ') || '-'}; ${failedSignIns} sign-in errors`,
      '0',
      doc.runs.length > 0 && errored.length === 0 && failedSignIns === 0,
    ),
    check(
      'API RSS after the runs',
      doc.api ? `${n(rssMb, 1)} MB` : 'n/a',
      '≤ 200 MB',
      doc.api ? rssMb <= 200 : undefined,
    ),
    check(
      'first-load JS of /login (gzip -9, the scripts that paint it; the idle-loaded schemas apart)',
      spa ? kb(spa.firstLoad.jsGzipBytesToPaint) : 'n/a',
      '≤ 100 kB',
      spa ? spa.firstLoad.jsGzipBytesToPaint <= 100_000 : undefined,
    ),
    check(
      'benchmark run time',
      `${fmt(doc.elapsedSeconds, 0)} s`,
      '< 300 s',
      doc.elapsedSeconds < 300,
    ),
  ];
}
