import { createChallenge, solveChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Challenge } from '@portcullis/shared';
import type { Clock } from '../common/clock.js';
import { loadConfig } from '../config/config.js';
import { InMemoryCounterStore } from './counter-store.js';
import { ChallengeRequired, FloodChallenge } from './flood-challenge.js';

const T0 = Date.now();

function setup() {
  let now = T0;
  const clock: Clock = { now: () => now };
  const config = loadConfig({
    SESSION_SECRET: 'flood-challenge-spec-secret-0123456789abcdef',
    CHALLENGE_DIFFICULTY: '200',
  });
  const challenge = new FloodChallenge(new InMemoryCounterStore(), clock, config);
  return {
    challenge,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

async function proofFor(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  return Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
}

describe(FloodChallenge.name, () => {
  it('writes challenges in the form altcha-lib does (the same parameters, solved by its solver)', async () => {
    const { challenge } = setup();
    const ours = await challenge.create();
    const theirs = await createChallenge({
      algorithm: 'SHA-256',
      cost: 1,
      counter: 150,
      deriveKey,
      expiresAt: Math.floor(T0 / 1000) + 300,
      hmacSignatureSecret: 's',
      hmacKeySignatureSecret: 'k',
    });
    expect(Object.keys(ours.parameters)).toEqual(Object.keys(theirs.parameters));
    expect(ours.parameters).toMatchObject({
      algorithm: 'SHA-256',
      cost: 1,
      keyLength: 32,
      expiresAt: Math.floor(T0 / 1000) + 300,
    });
    const solution = await solveChallenge({ challenge: ours, deriveKey });
    expect(solution!.counter).toBeGreaterThanOrEqual(100);
    expect(solution!.counter).toBeLessThanOrEqual(200);
    // altcha-lib verifies our challenge with our keys, and only with ours.
    await expect(challenge.redeem(await proofFor(ours))).resolves.toBe(true);
    const foreign = await verifySolution({
      challenge: ours,
      solution: solution!,
      deriveKey,
      hmacSignatureSecret: 'another secret',
    });
    expect(foreign.verified).toBe(false);
  });

  it('accepts each proof once', async () => {
    const { challenge } = setup();
    const proof = await proofFor(await challenge.create());
    await expect(challenge.redeem(proof)).resolves.toBe(true);
    await expect(challenge.redeem(proof)).resolves.toBe(false);
  });

  it('refuses a proof once its challenge has expired (by the injected clock)', async () => {
    const { challenge, advance } = setup();
    const proof = await proofFor(await challenge.create());
    advance(300_000);
    await expect(challenge.redeem(proof)).resolves.toBe(false);
  });

  it('refuses junk without throwing', async () => {
    const { challenge } = setup();
    for (const proof of ['', 'x', 'e30=', Buffer.from('[]').toString('base64')])
      await expect(challenge.redeem(proof)).resolves.toBe(false);
  });

  it('past the limit: a valid proof passes; none, or a bad one, gets a fresh challenge', async () => {
    const { challenge } = setup();
    const first = await challenge.overLimit(undefined).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ChallengeRequired);
    const issued = (first as ChallengeRequired).challenge;
    await expect(challenge.overLimit(await proofFor(issued))).resolves.toBeUndefined();
    const again = await challenge.overLimit(await proofFor(issued)).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ChallengeRequired);
    expect((again as ChallengeRequired).challenge.signature).not.toBe(issued.signature);
  });
});
