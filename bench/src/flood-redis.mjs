// @ts-check
// Redis memory under a unique-address flood (issue 20, case 6): FLOOD_REDIS_REQUESTS starts
// (200,000 by default), each for a new address of about 30 characters, against the built API
// on a real redis-server (no persistence) with the default per-address limits (a 30 s
// cooldown and 5 codes an hour per address; only the per-IP and global limits, which this
// one client would meet, are lifted). Every start is accepted (202), as in a flood that
// solves the challenge. Prints used_memory before and after, keys, bytes per address, and
// the keys without a TTL (redis-cli --scan, then PTTL of each): there must be none.
//   npm run bench:flood-redis -w @portcullis/bench      (after npm run build)
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startRedisServer } from './redis.mjs';
import { apiEnv, loadApi, portOf, startBenchEmulators } from './stack.mjs';

const TOTAL = Number(process.env.FLOOD_REDIS_REQUESTS ?? 200_000);
const CONCURRENCY = Number(process.env.FLOOD_CONCURRENCY ?? 16);
const BOUND_PER_ADDRESS = 250;

/** The server child: both emulators and the built API on REDIS_URL; prints its port. */
async function serve(/** @type {string} */ redisUrl) {
  const emulators = await startBenchEmulators();
  // One eligibility lookup per new address: 200,000 of them are past the org's default daily
  // allocation (15,000), which would turn the flood into 503s rather than accepted starts.
  emulators.salesforce.setLimits({ dailyApiRequests: 100_000_000 });
  const { createApp, loadConfig } = await loadApi();
  const config = loadConfig(
    apiEnv(emulators, {
      LOG_LEVEL: 'silent',
      REDIS_URL: redisUrl,
      CODE_RESEND_SECONDS: '30',
      CODES_PER_EMAIL_PER_HOUR: '5',
      // The flood comes from several networks (X-Forwarded-For from loopback): one network
      // alone meets STARTS_PER_IP_PER_HOUR's maximum (100,000) halfway.
      TRUST_PROXY: 'loopback',
    }),
  );
  const app = await createApp(config, { logSink: () => {} });
  await app.listen({ port: 0, host: '127.0.0.1' });
  console.log(JSON.stringify({ port: portOf(app.getHttpServer()) }));
}

if (process.argv[2] === '--serve') {
  await serve(process.argv[3] ?? '');
  await new Promise(() => {});
}

/**
 * @param {number} port
 * @param {string[]} args
 * @param {string} [input]
 */
function cli(port, args, input) {
  const out = spawnSync('redis-cli', ['-p', String(port), ...args], {
    encoding: 'utf8',
    input,
    maxBuffer: 1 << 30,
  });
  if (out.status !== 0) throw new Error(`redis-cli ${args.join(' ')}: ${out.stderr}`);
  return out.stdout;
}

/** Every key (redis-cli --scan) and how many have no TTL (PTTL -1). */
function keysWithoutTtl(/** @type {number} */ port) {
  const keys = cli(port, ['--scan']).split('\n').filter(Boolean);
  const ttls = cli(port, [], keys.map((k) => `PTTL ${k}\n`).join(''))
    .split('\n')
    .filter(Boolean);
  return { keys: keys.length, withoutTtl: ttls.filter((t) => Number(t) < 0).length };
}

const redis = await startRedisServer();
const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--serve', redis.url], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [line] = await new Promise((resolve) =>
  createInterface({ input: child.stdout }).once('line', (l) => resolve([l])),
);
const { port } = JSON.parse(line);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** The flood's networks: one /24 per 40,000 addresses (below the per-IP maximum). */
const forwardedFor = (/** @type {string} */ email) =>
  `198.51.100.${Math.floor(Number(/\d+/.exec(email)?.[0] ?? 0) / 40_000)}`;

/** @param {string} email @returns {Promise<number>} */
function start(email) {
  const body = JSON.stringify({ email });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/auth/passwordless/start',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'x-forwarded-for': forwardedFor(email),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Thirty characters, like a typical address. */
const address = (/** @type {number} */ i) => `flood.user.${String(i).padStart(6, '0')}@example.com`;

try {
  // Warm-up: connections, the Salesforce login, the keys every start shares.
  for (let i = 0; i < 50; i++) await start(`warm.${i}@example.com`);
  await new Promise((r) => setTimeout(r, 200));
  const before = { usedMemory: redis.usedMemory(), keys: redis.keys() };
  /** @type {Record<number, number>} */
  const statuses = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL) {
        const status = await start(address(next++));
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const after = { usedMemory: redis.usedMemory(), keys: redis.keys() };
  const ttl = keysWithoutTtl(redis.port);
  const perAddress = (after.usedMemory - before.usedMemory) / TOTAL;
  const result = {
    addresses: TOTAL,
    seconds: +seconds.toFixed(1),
    answers: statuses,
    usedMemoryBefore: before.usedMemory,
    usedMemoryAfter: after.usedMemory,
    addedMB: +((after.usedMemory - before.usedMemory) / 1e6).toFixed(2),
    bytesPerAddress: +perAddress.toFixed(1),
    keysAdded: after.keys - before.keys,
    keysScanned: ttl.keys,
    keysWithoutTtl: ttl.withoutTtl,
    boundPerAddress: BOUND_PER_ADDRESS,
    withinBound: perAddress <= BOUND_PER_ADDRESS && ttl.withoutTtl === 0,
  };
  console.table([result]);
  console.log(`\nJSON ${JSON.stringify({ node: process.version, ...result })}`);
  const accepted = statuses[202] ?? 0;
  if (accepted !== TOTAL) console.error(`only ${accepted} of ${TOTAL} starts were accepted`);
  if (!result.withinBound || accepted !== TOTAL) process.exitCode = 1;
} finally {
  child.kill();
  agent.destroy();
  await redis.stop();
}
