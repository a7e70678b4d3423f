// @ts-check
// The flood challenge's price (issue 20, case 5): at each flood level (the minute's starts as
// a multiple of STARTS_GLOBAL_PER_MINUTE), the difficulty the API asks for, the attacker's
// CPU per accepted start (solving one bound, single-use challenge: with altcha-lib's Node
// solver, with a tight node:crypto loop, and as native code would at the SHA-256 rate
// `openssl speed` measures for one-block messages on this machine), how many such native
// cores it takes to keep that flood going with every start admitted, and the server's CPU
// per issued challenge and per redemption. "Before" is the unbound challenge at its fixed
// 50,000. CPU is process.cpuUsage (user + system) of this one process.
//   npm run bench:pow -w @portcullis/bench      (after npm run build)
//   POW_SOLVES=40 npm run bench:pow -w @portcullis/bench
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { loadConfig } from '@portcullis/api/config';
import { InMemoryCounterStore } from '@portcullis/api/counter-store';
import { FloodChallenge } from '@portcullis/api/flood-challenge';

const SOLVES = Number(process.env.POW_SOLVES ?? 20);
const ISSUES = Number(process.env.POW_ISSUES ?? 20_000);
const LEVELS = [1.01, 2, 4, 8, 16];

const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
});
const limit = config.limits.startsGlobalPerMinute;
const gate = new FloodChallenge(new InMemoryCounterStore(), { now: () => Date.now() }, config);

/**
 * SHA-256 of one-block messages per second on one core, native (OpenSSL's EVP, as a
 * C or assembly attacker would run it); undefined without openssl.
 */
function nativeHashesPerSecond() {
  const run = spawnSync('openssl', ['speed', '-evp', 'sha256', '-bytes', '64', '-seconds', '2'], {
    encoding: 'utf8',
  });
  const k = /^sha256\s+([\d.]+)k/m.exec(run.stdout ?? '');
  return k ? (Number(k[1]) * 1000) / 64 : undefined;
}
const nativeRate = nativeHashesPerSecond();

/** CPU ms (user + system) that `work` takes in this process. */
async function cpuMs(/** @type {() => Promise<unknown> | unknown} */ work) {
  const before = process.cpuUsage();
  await work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/**
 * The attacker's loop: SHA-256(salt ‖ nonce ‖ counter as uint32 BE) from 0 until its first
 * 16 bytes are the signed prefix, synchronous, one hash object per counter.
 * @param {import('@portcullis/shared').Challenge} challenge
 */
function nativeSolve(challenge) {
  const { salt, nonce, keyPrefix } = challenge.parameters;
  const saltBytes = Buffer.from(salt, 'hex');
  const password = Buffer.alloc(20);
  Buffer.from(nonce, 'hex').copy(password);
  const prefix = Buffer.from(keyPrefix, 'hex');
  for (let counter = 0; counter < 2 ** 32; counter++) {
    password.writeUInt32BE(counter, 16);
    const key = createHash('sha256').update(saltBytes).update(password).digest();
    if (key.compare(prefix, 0, prefix.length, 0, prefix.length) === 0)
      return { counter, derivedKey: key.toString('hex') };
  }
  throw new Error('no solution');
}

/** @param {unknown} challenge @param {unknown} solution */
const encode = (challenge, solution) =>
  Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');

/** @type {Array<Record<string, number | string>>} */
const rows = [];
let n = 0;
for (const pressure of [0, ...LEVELS]) {
  // pressure 0 stands for "before": the unbound challenge at the fixed base difficulty.
  const difficulty =
    pressure === 0 ? config.limits.challengeDifficulty : gate.difficultyAt(pressure);
  let altcha = 0;
  let native = 0;
  let accepted = 0;
  let counters = 0;
  for (let i = 0; i < SOLVES; i++) {
    const binding = { email: `attacker-${n++}@example.com`, ip: '203.0.113.9' };
    const challenge = await gate.create(binding, difficulty);
    /** @type {{ counter: number, derivedKey: string } | null} */
    let solution = null;
    altcha += await cpuMs(async () => {
      solution = await solveChallenge({ challenge, deriveKey });
    });
    /** @type {{ counter: number, derivedKey: string } | undefined} */
    let fast;
    native += await cpuMs(() => {
      fast = nativeSolve(challenge);
    });
    if (
      !solution ||
      fast?.derivedKey !== /** @type {{ derivedKey: string }} */ (solution).derivedKey
    )
      throw new Error('the two solvers disagree');
    counters += /** @type {{ counter: number }} */ (solution).counter;
    if (await gate.redeem(encode(challenge, solution), binding)) accepted++;
  }
  const meanCounter = counters / SOLVES;
  // Native code tries counters from 0 too: the mean counter + 1 hashes per start.
  const nativeMs = nativeRate ? ((meanCounter + 1) / nativeRate) * 1000 : native / SOLVES;
  const admittedPerSecond = (Math.max(0, (pressure || 1.01) - 1) * limit) / 60;
  rows.push({
    level: pressure === 0 ? 'before (any level)' : `${pressure === 1.01 ? '>1' : pressure}× limit`,
    'starts/min': pressure === 0 ? '-' : Math.round(pressure * limit),
    difficulty,
    'mean counter': Math.round(meanCounter),
    'altcha-lib ms/start': +(altcha / SOLVES).toFixed(1),
    'node:crypto ms/start': +(native / SOLVES).toFixed(1),
    'native ms/start': +nativeMs.toFixed(1),
    'native cores to admit all':
      pressure === 0 ? '-' : +((admittedPerSecond * nativeMs) / 1000).toFixed(2),
    accepted: `${accepted}/${SOLVES}`,
  });
  console.log(JSON.stringify(rows.at(-1)));
}

// The server's side: issuing a challenge (every refused start costs one) and checking a proof.
const binding = { email: 'someone@example.com', ip: '203.0.113.9' };
const issueMs = await cpuMs(async () => {
  for (let i = 0; i < ISSUES; i++) await gate.create(binding, gate.difficultyAt(8));
});
/** @type {string[]} */
const proofs = [];
for (let i = 0; i < 200; i++) {
  const challenge = await gate.create(binding, 500);
  proofs.push(encode(challenge, nativeSolve(challenge)));
}
const redeemMs = await cpuMs(async () => {
  for (const proof of proofs) if (!(await gate.redeem(proof, binding))) throw new Error('refused');
});
const elsewhere = { ...binding, ip: '198.51.100.9' };
const refuseMs = await cpuMs(async () => {
  for (const proof of proofs) if (await gate.redeem(proof, elsewhere)) throw new Error('accepted');
});
const server = {
  'issue µs/challenge': +((issueMs * 1000) / ISSUES).toFixed(1),
  'redeem µs/proof': +((redeemMs * 1000) / proofs.length).toFixed(1),
  'refuse (other network) µs/proof': +((refuseMs * 1000) / proofs.length).toFixed(1),
};

const rate = nativeRate ? `${(nativeRate / 1e6).toFixed(2)} M SHA-256/s native` : 'no openssl';
console.log(
  `\nattacker, per accepted start (${SOLVES} solves a level; limit ${limit}/min; ${rate}):`,
);
console.table(rows);
console.log('server:');
console.table([server]);
console.log(
  `\nJSON ${JSON.stringify({ node: process.version, solves: SOLVES, limit, nativeRate, rows, server })}`,
);
