// @ts-check
// autocannon runs on loopback: a warm-up, then a bounded measured run, with the server's
// CPU time read from /proc before and after. Latencies are collected from every response
// (autocannon's own histogram rounds to whole milliseconds, too coarse here).
import autocannon from 'autocannon';
import { performance } from 'node:perf_hooks';

export const CONNECTIONS = 10;

/** @typedef {import('./servers.mjs').Server} Server */
/** @typedef {import('autocannon').Options} CannonOptions */
/**
 * @typedef {object} Rotation A list of values handed out in turn (see `rotation`).
 * @property {number} size
 * @property {() => string} next
 * @property {number} handedOut
 */
/**
 * @typedef {object} Rotate Sets a header of each request from a rotation.
 * @property {string} header
 * @property {string} prefix
 * @property {Rotation} source
 * @property {Rotation} [warmupSource] for the warm-up, when it must not use `source`'s values
 */
/**
 * @typedef {object} LoadOptions
 * @property {string} name
 * @property {Pick<Server, 'name' | 'url' | 'cpuMicros'>} server
 * @property {string} path
 * @property {Record<string, string>} [headers]
 * @property {Rotate} [rotate]
 * @property {number} [duration] seconds
 * @property {number} [warmup] seconds
 * @property {number} [amount] exactly this many requests instead of `duration`
 * @property {number} [warmupAmount] exactly this many warm-up requests
 * @property {number} [maxSeconds] a bound on an `amount` run
 * @property {string} [note]
 */
/** @typedef {Awaited<ReturnType<typeof loadRun>>} LoadResult */

/**
 * The value at quantile `q` of an ascending array (nearest rank).
 * @param {ArrayLike<number>} sorted
 * @param {number} q
 * @returns {number}
 */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

/**
 * Hands out `values` in turn, wrapping around; `handedOut` counts every value given.
 * @param {string[]} values
 * @returns {Rotation}
 */
export function rotation(values) {
  let i = 0;
  return {
    size: values.length,
    next: () => values[i++ % values.length] ?? '',
    get handedOut() {
      return i;
    },
  };
}

/**
 * One autocannon run; resolves with its result, every response time (ms) and when the last
 * response arrived (autocannon only notices the end at its next 1 s sampling tick, so its
 * own duration can overstate an `amount` run by up to a second).
 * @param {CannonOptions} options
 * @param {number} maxSeconds
 * @returns {Promise<{ result: import('autocannon').Result, latencies: number[], lastResponseAt: number }>}
 */
function cannon(options, maxSeconds) {
  return new Promise((resolve, reject) => {
    /** @type {number[]} */
    const latencies = [];
    let lastResponseAt = performance.now();
    const instance = autocannon(options, (err, result) => {
      clearTimeout(guard);
      if (err) reject(err);
      else resolve({ result, latencies, lastResponseAt });
    });
    instance.on('response', (_client, _status, _bytes, ms) => {
      latencies.push(ms);
      lastResponseAt = performance.now();
    });
    // `amount` runs have no duration of their own: never let one run away.
    const guard = setTimeout(() => instance.stop(), maxSeconds * 1000);
  });
}

/**
 * @param {LoadOptions['server']} server
 * @param {string} path
 * @param {Record<string, string>} headers
 * @param {Rotate | undefined} rotate
 * @returns {CannonOptions}
 */
function requestOptions(server, path, headers, rotate) {
  const base = {
    url: server.url,
    connections: CONNECTIONS,
    pipelining: 1,
    headers,
  };
  if (!rotate) return { ...base, url: server.url + path };
  return {
    ...base,
    requests: [
      {
        method: 'GET',
        path,
        /** @param {{ headers: Record<string, string> }} req */
        setupRequest: (req) => {
          req.headers[rotate.header] = rotate.prefix + rotate.source.next();
          return req;
        },
      },
    ],
  };
}

/**
 * Warm-up, then the measured run. Either `duration` seconds, or exactly `amount` requests
 * (for "every token once": `rotate.source` must hold more values than requests).
 *   rotate: { header, prefix, source: rotation(values), warmupSource?: rotation(values) }
 * @param {LoadOptions} options
 */
export async function loadRun({
  name,
  server,
  path,
  headers = {},
  rotate,
  duration = 5,
  warmup = 1,
  amount,
  warmupAmount,
  maxSeconds = 60,
  note = '',
}) {
  // Warm-up: JIT, connections, caches that a steady state would have warm.
  const warmRotate = rotate?.warmupSource ? { ...rotate, source: rotate.warmupSource } : rotate;
  const warmOptions = requestOptions(server, path, headers, warmRotate);
  if (warmupAmount) await cannon({ ...warmOptions, amount: warmupAmount }, maxSeconds);
  else if (warmup > 0) await cannon({ ...warmOptions, duration: warmup }, maxSeconds);

  const options = requestOptions(server, path, headers, rotate);
  const handedOutBefore = rotate?.source.handedOut ?? 0;
  const cpu0 = server.cpuMicros();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const { result, latencies, lastResponseAt } = await cannon(
    amount ? { ...options, amount } : { ...options, duration },
    maxSeconds,
  );
  // From the start to the last response; the server is idle after it, so its CPU time read
  // a little later belongs to the same window.
  const seconds = (lastResponseAt - t0) / 1000;
  const cpu = server.cpuMicros() - cpu0;
  const self = process.cpuUsage(self0);
  const sorted = Float64Array.from(latencies).sort();
  const requests = sorted.length;
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
  );
  return {
    name,
    server: server.name,
    path,
    note,
    requests,
    seconds: round(seconds, 2),
    rps: round(requests / seconds, 0),
    p50Ms: round(quantile(sorted, 0.5), 3),
    p99Ms: round(quantile(sorted, 0.99), 3),
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes,
    cpuUsPerReq: requests > 0 ? round(cpu / requests, 1) : NaN,
    // What the server's core could serve at this CPU cost per request if it were the only
    // bottleneck: unaffected by a slow load generator or other processes on the host.
    capacityRps: cpu > 0 ? round((requests * 1e6) / cpu, 0) : NaN,
    serverCorePct: round((cpu / 1e6 / seconds) * 100, 0),
    // This process (load generator and emulators) likewise: near 100% means it was the limit.
    benchCorePct: round(((self.user + self.system) / 1e6 / seconds) * 100, 0),
    // Values built into requests (at most CONNECTIONS more than were sent), and whether any
    // was used twice.
    distinctValues: rotate
      ? Math.min(rotate.source.handedOut - handedOutBefore, rotate.source.size)
      : undefined,
    reusedValues: rotate ? rotate.source.handedOut - handedOutBefore > rotate.source.size : false,
    eachValueOnce: Boolean(rotate && amount),
  };
}

/**
 * @param {number} x
 * @param {number} digits
 */
export function round(x, digits) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
