// The report: an aligned table of the runs, the derived auth costs, the targets (✓/✗), and
// a JSON document in bench/results/latest.json (the previous one is kept as previous.json
// and compared against, run by run).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from './load.mjs';

const RESULTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'results');

const fmt = (x, digits = 0) =>
  x === undefined || x === null || Number.isNaN(x)
    ? 'n/a'
    : typeof x === 'number'
      ? x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
      : String(x);

/** Prints rows (arrays of strings) as aligned columns; numbers right-aligned. */
function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const numeric = header.map((_, i) => rows.every((r) => /^[-+]?[\d,.]+[×%*]?$|^n\/a$/.test(r[i])));
  const line = (cells) =>
    cells
      .map((c, i) => (numeric[i] ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

/** Below this share of its core busy, the server was not what limited a run's req/s. */
const SATURATED_PCT = 90;

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

function printTargets(targets) {
  for (const t of targets) {
    const mark = t.met === undefined ? '?' : t.met ? '✓' : '✗';
    console.log(`${mark} ${t.name}: ${t.value} (target ${t.target})`);
  }
}

/**
 * Derived numbers, the tables, the targets and the JSON document. `failures` (steps that
 * failed) gains every run with errors or non-2xx. Returns the exit code.
 */
export async function report(doc, failures) {
  const {
    connections,
    durationSeconds,
    warmupSeconds,
    rounds,
    sessions,
    missTokens,
    warmupTokens,
  } = doc.settings;
  const byId = new Map(doc.runs.map((r) => [r.id, r]));
  const r = (id) => byId.get(id);
  const ceiling = r('1')?.rps;
  for (const run of doc.runs) run.ratioToHealth = ceiling ? round(run.rps / ceiling, 3) : null;

  const minus = (a, b) => (a && b ? round(a.cpuUsPerReq - b.cpuUsPerReq, 1) : NaN);
  const verifyUs = doc.rawVerify?.usPerOp;
  doc.derived = {
    rawVerifyUs: verifyUs,
    cacheMissAuthUs: minus(r('3b'), r('1')),
    cacheHitAuthCookieUs: minus(r('2'), r('1')),
    cacheHitAuthCookieGreetingUs: minus(r('2b'), r('1')),
    cacheHitAuthBearerUs: minus(r('4b'), r('1')),
    textbookAuthUs: minus(r('T2'), r('T1')),
    cookieMeVsTextbookMe: r('2') && r('T2') ? round(r('2').rps / r('T2').rps, 2) : NaN,
    cookieMeVsTextbookMeDistinct: r('2') && r('T3') ? round(r('2').rps / r('T3').rps, 2) : NaN,
  };
  const d = doc.derived;

  const previous = await loadPrevious();
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

  const s = doc.signIn;
  if (s) {
    console.log('\nRun 5: sign-in (start + code from outbox + verify), zero-latency emulators');
    printTable(
      [
        'phase',
        'sign-ins',
        'per s',
        'p50 ms',
        'p99 ms',
        'start p50',
        'code wait p50',
        'verify p50',
        'errors',
        'API CPU µs/sign-in',
        'srv core',
      ],
      [
        ['serial (1 client)', s.serial],
        [`${s.concurrency} concurrent clients`, s.loaded],
      ].map(([phase, x]) => [
        phase,
        fmt(x.signIns),
        fmt(x.perSecond, 1),
        fmt(x.p50Ms, 2),
        fmt(x.p99Ms, 2),
        fmt(x.startP50Ms, 2),
        fmt(x.codeWaitP50Ms, 2),
        fmt(x.verifyP50Ms, 2),
        fmt(x.errors),
        fmt(x.cpuUsPerSignIn),
        `${fmt(x.serverCorePct)}%`,
      ]),
    );
    console.log(
      `API's own share of an unloaded sign-in: ${fmt(s.serial.cpuUsPerSignIn)} µs CPU of ${fmt(s.serial.meanMs, 2)} ms ` +
        `(${fmt(s.apiSharePct)}%; the rest is the emulators, the client and loopback)`,
    );
    for (const e of [...s.serial.firstErrors, ...s.loaded.firstErrors])
      console.log(`  error: ${e}`);
  }

  console.log('\nRun 6 and derived numbers');
  const spa = doc.spa;
  const kb = (bytes) => `${fmt(bytes / 1000, 2)} kB`;
  printTable(
    ['measure', 'value'],
    [
      [
        'API RSS: at start / after the sessions / after the runs',
        doc.api?.rssKbAfterRuns
          ? [doc.api.rssKbAtStart, doc.api.rssKbAfterSessions, doc.api.rssKbAfterRuns]
              .map((kb) => `${fmt(kb / 1024, 1)} MB`)
              .join(' / ')
          : 'n/a',
      ],
      [
        'API spawn → first 200 on /api/health/live (median of 3)',
        doc.api?.startMs
          ? `${fmt(doc.api.startMedianMs, 0)} ms (${doc.api.startMs.map((x) => fmt(x, 0)).join(', ')})`
          : 'n/a',
      ],
      [
        'textbook RSS after its runs',
        doc.textbook ? `${fmt(doc.textbook.rssKbAfterRuns / 1024, 1)} MB` : 'n/a',
      ],
      [
        'raw RS256 verify (crypto.verify, prepared KeyObject)',
        verifyUs ? `${fmt(verifyUs, 2)} µs/op (${fmt(doc.rawVerify.opsPerSecond)}/s)` : 'n/a',
      ],
      [
        'cache-miss auth cost (3b − 1)',
        `${fmt(d.cacheMissAuthUs, 1)} µs/req = ${fmt(d.cacheMissAuthUs / verifyUs, 2)}× raw verify`,
      ],
      [
        'session cookie (name=value, as the browser sends it)',
        doc.api?.cookieBytes ? `${doc.api.cookieBytes} bytes` : 'n/a',
      ],
      [
        'cache-hit auth cost, cookie (2 − 1, /me vs health)',
        `${fmt(d.cacheHitAuthCookieUs, 1)} µs/req`,
      ],
      [
        'cache-hit auth cost, cookie (2b − 1, /greeting vs health)',
        `${fmt(d.cacheHitAuthCookieGreetingUs, 1)} µs/req`,
      ],
      ['cache-hit auth cost, Bearer (4b − 1)', `${fmt(d.cacheHitAuthBearerUs, 1)} µs/req`],
      ['textbook auth cost (T2 − T1)', `${fmt(d.textbookAuthUs, 1)} µs/req`],
      ['cookie /api/me ÷ textbook /api/me (2 ÷ T2)', `${fmt(d.cookieMeVsTextbookMe, 2)}×`],
      [
        'cookie /api/me ÷ textbook /api/me, distinct tokens (2 ÷ T3)',
        `${fmt(d.cookieMeVsTextbookMeDistinct, 2)}×`,
      ],
      [
        'SPA first-load JS of /login (gzip -9), until network idle',
        spa?.available ? kb(spa.firstLoad.jsGzipBytes) : `n/a (${spa?.reason ?? 'not run'})`,
      ],
      [
        'SPA first-load JS of /login (gzip -9), until the form shows',
        spa?.available ? kb(spa.firstLoad.jsGzipBytesBeforeForm) : 'n/a',
      ],
      [
        'SPA first-load JS of /login (gzip -9), to paint it (without contract-*.js)',
        spa?.available ? kb(spa.firstLoad.jsGzipBytesToPaint) : 'n/a',
      ],
      [
        'SPA first-load CSS of /login (gzip -9)',
        spa?.available ? kb(spa.firstLoad.cssGzipBytes) : 'n/a',
      ],
      [
        'SPA /api/me requests per 10 navigations',
        spa?.navigation?.error
          ? `n/a (${spa.navigation.error})`
          : spa?.available
            ? fmt(spa.navigation.meRequestsPer10Navigations)
            : 'n/a',
      ],
    ],
  );
  if (spa?.available) {
    for (const f of spa.firstLoad.files) {
      console.log(
        `  ${f.type.padEnd(3)} ${f.file}: ${kb(f.rawBytes)} raw, ${kb(f.gzipBytes)} gzip` +
          (f.beforeForm ? '' : ' (after the form showed)'),
      );
    }
    if (spa.navigation.navigationMode)
      console.log(`  navigations: ${spa.navigation.navigationMode}`);
  }

  // Shared state (issue 11).
  const red = doc.redis;
  console.log('\nShared state: Redis and two API instances');
  if (!red?.available) {
    console.log(`  n/a: ${red?.reason ?? 'not run'}`);
  } else {
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

  // Targets (issue 6, and issues 10 and 11).
  const check = (name, value, target, met) => ({ name, value, target, met });
  const n = (x, digits = 2) => (Number.isFinite(x) ? fmt(x, digits) : 'n/a');
  const ratio = (a, b) => (a && b ? a.rps / b.rps : NaN);
  const capRatio = (a, b) => (a && b ? a.capacityRps / b.capacityRps : NaN);
  // The req/s ratio is the target; the capacity ratio says what it would be had both runs
  // saturated the server's core, and which runs did not.
  const rpsValue = (a, b) => {
    const unsaturated = [a, b].filter((x) => x && x.serverCorePct < SATURATED_PCT).map((x) => x.id);
    return (
      `${n(ratio(a, b))}× (capacity ${n(capRatio(a, b))}×` +
      (unsaturated.length ? `; run ${unsaturated.join(', ')} not server-bound)` : ')')
    );
  };
  const p99Ratio = (a, b) => (a && b ? a.p99Ms / b.p99Ms : NaN);
  const erroredRuns = doc.runs.filter((x) => x.errors > 0 || x.timeouts > 0 || x.non2xx > 0);
  const signInErrors =
    (s?.serial.errors ?? 0) +
    (s?.loaded.errors ?? 0) +
    (red?.signIn?.serial.errors ?? 0) +
    (red?.signIn?.loaded.errors ?? 0);
  const targets = [
    ...(red?.available
      ? [
          check(
            'Redis: /api/me, one cookie (R2) ÷ health (R1), same instance',
            rpsValue(r('R2'), r('R1')),
            '≥ 0.85×',
            ratio(r('R2'), r('R1')) >= 0.85,
          ),
          check(
            `Redis: /api/me, ${red.sessions} cookies (R3) ÷ health (R1)`,
            rpsValue(r('R3'), r('R1')),
            '≥ 0.85×',
            ratio(r('R3'), r('R1')) >= 0.85,
          ),
          check(
            'Redis: logout on A refused on B, p99',
            `${n(red.propagation?.p99Ms, 1)} ms`,
            '≤ 1000 ms',
            red.propagation?.p99Ms <= 1000 && red.propagation.failures.length === 0,
          ),
        ]
      : []),
    check(
      '/api/me, one cookie (2) ÷ health (1)',
      rpsValue(r('2'), r('1')),
      '≥ 0.85×',
      ratio(r('2'), r('1')) >= 0.85,
    ),
    check(
      `/api/me, ${sessions} cookies (3) ÷ health (1)`,
      rpsValue(r('3'), r('1')),
      '≥ 0.85×',
      ratio(r('3'), r('1')) >= 0.85,
    ),
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
    check(
      'p99 /api/me (2) ÷ p99 health (1)',
      `${n(p99Ratio(r('2'), r('1')))}×`,
      '≤ 2×',
      p99Ratio(r('2'), r('1')) <= 2,
    ),
    check(
      `p99 /api/me (3) ÷ p99 health (1)`,
      `${n(p99Ratio(r('3'), r('1')))}×`,
      '≤ 2×',
      p99Ratio(r('3'), r('1')) <= 2,
    ),
    check(
      'errors and non-2xx under load (all runs, sign-ins)',
      erroredRuns.length === 0 && signInErrors === 0
        ? '0'
        : `runs ${erroredRuns.map((x) => x.id).join(', ') || '-'}; ${signInErrors} sign-in errors`,
      '0',
      doc.runs.length > 0 && erroredRuns.length === 0 && signInErrors === 0,
    ),
    check(
      'API RSS after the runs',
      doc.api ? `${n(doc.api.rssKbAfterRuns / 1024, 1)} MB` : 'n/a',
      '≤ 200 MB',
      doc.api ? doc.api.rssKbAfterRuns / 1024 <= 200 : undefined,
    ),
    check(
      'first-load JS of /login (gzip -9, the scripts that paint it; the idle-loaded schemas apart)',
      spa?.available ? kb(spa.firstLoad.jsGzipBytesToPaint) : 'n/a',
      '≤ 100 kB',
      spa?.available ? spa.firstLoad.jsGzipBytesToPaint <= 100_000 : undefined,
    ),
    check(
      'benchmark run time',
      `${fmt(doc.elapsedSeconds, 0)} s`,
      '< 300 s',
      doc.elapsedSeconds < 300,
    ),
  ];
  doc.targets = targets;
  console.log('\nTargets');
  printTargets(targets);

  // Exit code: any error or non-2xx under load, a failed sign-in, or a step that failed.
  for (const x of erroredRuns) {
    failures.push(
      `run ${x.id}: ${x.errors} errors, ${x.timeouts} timeouts, ${x.non2xx} non-2xx (${JSON.stringify(x.statusCodes)})`,
    );
  }
  if (signInErrors > 0) failures.push(`${signInErrors} sign-in errors`);
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

/** Loads the previous latest.json (if any) before it is replaced. */
async function loadPrevious() {
  const file = path.join(RESULTS_DIR, 'latest.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

async function writeResults(doc) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const latest = path.join(RESULTS_DIR, 'latest.json');
  if (existsSync(latest)) await rename(latest, path.join(RESULTS_DIR, 'previous.json'));
  await writeFile(latest, await formatJson(doc, latest));
  return latest;
}

/** JSON as Prettier writes it (when it is installed), so `npm run lint` passes after a run. */
async function formatJson(doc, file) {
  const text = JSON.stringify(doc, null, 2) + '\n';
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file });
  } catch {
    return text;
  }
}

export { fmt };
