// @ts-check
// Derived numbers (the auth costs as differences of CPU µs per request between runs, the
// ratios to the textbook) and "Run 6 and derived numbers": memory, start time, the SPA.
import { round } from '../load.mjs';
import { fmt, kb, printTable } from './format.mjs';

/** @typedef {import('./doc.js').BenchDoc} BenchDoc */
/** @typedef {import('../run/runner.mjs').MergedRun} MergedRun */
/** @typedef {ReturnType<typeof derive>} Derived */

/**
 * The derived numbers, from the runs by id.
 * @param {BenchDoc} doc
 * @param {(id: string) => MergedRun | undefined} r
 */
export function derive(doc, r) {
  /**
   * @param {MergedRun | undefined} a
   * @param {MergedRun | undefined} b
   */
  const minus = (a, b) => (a && b ? round(a.cpuUsPerReq - b.cpuUsPerReq, 1) : NaN);
  const two = r('2');
  const t2 = r('T2');
  const t3 = r('T3');
  return {
    rawVerifyUs: doc.rawVerify?.usPerOp,
    cacheMissAuthUs: minus(r('3b'), r('1')),
    cacheHitAuthCookieUs: minus(two, r('1')),
    cacheHitAuthCookieGreetingUs: minus(r('2b'), r('1')),
    cacheHitAuthBearerUs: minus(r('4b'), r('1')),
    textbookAuthUs: minus(t2, r('T1')),
    cookieMeVsTextbookMe: two && t2 ? round(two.rps / t2.rps, 2) : NaN,
    cookieMeVsTextbookMeDistinct: two && t3 ? round(two.rps / t3.rps, 2) : NaN,
  };
}

/**
 * "Run 6 and derived numbers", and the SPA's files.
 * @param {BenchDoc} doc
 * @param {Derived} d
 */
export function reportDerived(doc, d) {
  console.log('\nRun 6 and derived numbers');
  const spa = doc.spa;
  const verifyUs = d.rawVerifyUs;
  const api = doc.api;
  const nav = spa?.available ? spa.navigation : undefined;
  printTable(
    ['measure', 'value'],
    [
      [
        'API RSS: at start / after the sessions / after the runs',
        api?.rssKbAfterRuns
          ? [api.rssKbAtStart, api.rssKbAfterSessions ?? NaN, api.rssKbAfterRuns]
              .map((kb) => `${fmt(kb / 1024, 1)} MB`)
              .join(' / ')
          : 'n/a',
      ],
      [
        'API spawn → first 200 on /api/health/live (median of 3)',
        api?.startMs
          ? `${fmt(api.startMedianMs, 0)} ms (${api.startMs.map((x) => fmt(x, 0)).join(', ')})`
          : 'n/a',
      ],
      [
        'textbook RSS after its runs',
        doc.textbook ? `${fmt(doc.textbook.rssKbAfterRuns / 1024, 1)} MB` : 'n/a',
      ],
      [
        'raw RS256 verify (crypto.verify, prepared KeyObject)',
        verifyUs ? `${fmt(verifyUs, 2)} µs/op (${fmt(doc.rawVerify?.opsPerSecond)}/s)` : 'n/a',
      ],
      [
        'cache-miss auth cost (3b − 1)',
        `${fmt(d.cacheMissAuthUs, 1)} µs/req = ${fmt(d.cacheMissAuthUs / (verifyUs ?? NaN), 2)}× raw verify`,
      ],
      [
        'session cookie (name=value, as the browser sends it)',
        api?.cookieBytes ? `${api.cookieBytes} bytes` : 'n/a',
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
        spa?.available
          ? kb(spa.firstLoad.jsGzipBytes)
          : `n/a (${spa && !spa.available ? spa.reason : 'not run'})`,
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
        nav && 'error' in nav
          ? `n/a (${nav.error})`
          : nav
            ? fmt(nav.meRequestsPer10Navigations)
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
    if ('navigationMode' in spa.navigation)
      console.log(`  navigations: ${spa.navigation.navigationMode}`);
  }
}
