// @ts-check
// Run 5 in the report: sign-ins serially and under load, and the API's share of one.
import { fmt, printTable } from './format.mjs';

/** @typedef {import('../signin.mjs').SignInResult} SignInResult */

/** @param {SignInResult | undefined} s */
export function reportSignIn(s) {
  if (!s) return;
  console.log('\nRun 5: sign-in (start + code from outbox + verify), zero-latency emulators');
  /** @type {Array<[string, import('../signin.mjs').SignInLoop]>} */
  const phases = [
    ['serial (1 client)', s.serial],
    [`${s.concurrency} concurrent clients`, s.loaded],
  ];
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
    phases.map(([phase, x]) => [
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
  for (const e of [...s.serial.firstErrors, ...s.loaded.firstErrors]) console.log(`  error: ${e}`);
}
