import { createChallenge, solveChallenge, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Challenge } from '@portcullis/shared';
import type { Clock } from '../common/clock.js';
import { loadConfig } from '../config/config.js';
import { InMemoryCounterStore } from './counter-store.js';
import { ChallengeRequired, FloodChallenge } from './flood-challenge.js';

const T0 = Date.now();
const FOR = { email: 'ada@example.com', ip: '203.0.113.7' };
const START = { ...FOR, retryAfterSeconds: 30, pressure: 1.01 };

const OLD = 'flood-challenge-spec-secret-0123456789abcdef';
const NEW = 'flood-challenge-spec-new-secret-0123456789ab';

function setup(secrets = [OLD], store = new InMemoryCounterStore()) {
  let now = T0;
  const clock: Clock = { now: () => now };
  const config = loadConfig({
    SESSION_SECRETS: secrets.join(','),
    CHALLENGE_DIFFICULTY: '200',
    CHALLENGE_MAX_DIFFICULTY: '3200',
  });
  const challenge = new FloodChallenge(store, clock, config);
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
    const ours = await challenge.create(FOR);
    const theirs = await createChallenge({
      algorithm: 'SHA-256',
      cost: 1,
      counter: 150,
      data: { bind: 'x' },
      deriveKey,
      expiresAt: Math.floor(T0 / 1000) + 90,
      hmacSignatureSecret: 's',
      hmacKeySignatureSecret: 'k',
    });
    expect(Object.keys(ours.parameters)).toEqual(Object.keys(theirs.parameters));
    expect(ours.parameters).toMatchObject({
      algorithm: 'SHA-256',
      cost: 1,
      keyLength: 32,
      expiresAt: Math.floor(T0 / 1000) + 90,
    });
    const solution = await solveChallenge({ challenge: ours, deriveKey });
    expect(solution!.counter).toBeGreaterThanOrEqual(100);
    expect(solution!.counter).toBeLessThanOrEqual(200);
    // altcha-lib verifies our challenge with our keys, and only with ours.
    await expect(challenge.redeem(await proofFor(ours), FOR)).resolves.toBe(true);
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
    const proof = await proofFor(await challenge.create(FOR));
    await expect(challenge.redeem(proof, FOR)).resolves.toBe(true);
    await expect(challenge.redeem(proof, FOR)).resolves.toBe(false);
  });

  it('refuses a proof once its challenge has expired (by the injected clock)', async () => {
    const { challenge, advance } = setup();
    const proof = await proofFor(await challenge.create(FOR));
    advance(90_000);
    await expect(challenge.redeem(proof, FOR)).resolves.toBe(false);
  });

  it('refuses junk without throwing', async () => {
    const { challenge } = setup();
    for (const proof of ['', 'x', 'e30=', Buffer.from('[]').toString('base64')])
      await expect(challenge.redeem(proof, FOR)).resolves.toBe(false);
  });

  it('past the limit: a valid proof passes; none, or a bad one, gets a fresh challenge', async () => {
    const { challenge } = setup();
    const first = await challenge.overLimit(undefined, START).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ChallengeRequired);
    const issued = (first as ChallengeRequired).challenge;
    await expect(challenge.overLimit(await proofFor(issued), START)).resolves.toBeUndefined();
    const again = await challenge.overLimit(await proofFor(issued), START).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ChallengeRequired);
    expect((again as ChallengeRequired).challenge.signature).not.toBe(issued.signature);
  });

  it('is bound to the address and the client network it was issued for', async () => {
    const { challenge } = setup();
    const solved = async () => proofFor(await challenge.create(FOR));
    await expect(
      challenge.redeem(await solved(), { ...FOR, email: 'grace@example.com' }),
    ).resolves.toBe(false);
    await expect(challenge.redeem(await solved(), { ...FOR, ip: '198.51.100.7' })).resolves.toBe(
      false,
    );
    await expect(challenge.redeem(await solved(), { ...FOR, ip: undefined })).resolves.toBe(false);
    // The same /24 is the same network (carrier NAT pools hand out neighbours).
    await expect(challenge.redeem(await solved(), { ...FOR, ip: '203.0.113.200' })).resolves.toBe(
      true,
    );
    // IPv6: the same /64.
    const v6 = { ...FOR, ip: '2001:db8:1:2::1' };
    const p6 = await proofFor(await challenge.create(v6));
    await expect(challenge.redeem(p6, { ...FOR, ip: '2001:db8:1:3::1' })).resolves.toBe(false);
    await expect(challenge.redeem(p6, { ...FOR, ip: '2001:db8:1:2::ff' })).resolves.toBe(true);
    // A bind copied from another challenge does not pass: the signature covers it.
    const mine = await challenge.create(FOR);
    const other = await challenge.create({ ...FOR, email: 'grace@example.com' });
    const forged = { ...other, parameters: { ...other.parameters, data: mine.parameters.data } };
    await expect(challenge.redeem(await proofFor(forged), FOR)).resolves.toBe(false);
  });

  it('rotating SESSION_SECRETS: signed with the first secret, accepted under every secret of the ring (once, across instances)', async () => {
    const store = new InMemoryCounterStore();
    const ring = (secrets: string[]) => setup(secrets, store).challenge;
    const [old, oldNew, newOld, onlyNew] = [[OLD], [OLD, NEW], [NEW, OLD], [NEW]].map(ring);
    const issued = async (by: FloodChallenge) => proofFor(await by.create(FOR));
    // Step 1 (old,new beside old): both sign with old, both accept it.
    await expect(oldNew!.redeem(await issued(old!), FOR)).resolves.toBe(true);
    await expect(old!.redeem(await issued(oldNew!), FOR)).resolves.toBe(true);
    // Step 2 (new,old beside old,new): each accepts the other's.
    await expect(oldNew!.redeem(await issued(newOld!), FOR)).resolves.toBe(true);
    await expect(newOld!.redeem(await issued(oldNew!), FOR)).resolves.toBe(true);
    // Once used on one instance, a proof is used on all of them (the shared store).
    const proof = await issued(newOld!);
    await expect(oldNew!.redeem(proof, FOR)).resolves.toBe(true);
    await expect(newOld!.redeem(proof, FOR)).resolves.toBe(false);
    // A secret that has left the ring no longer verifies; one never in it never did.
    await expect(onlyNew!.redeem(await issued(old!), FOR)).resolves.toBe(false);
    await expect(old!.redeem(await issued(onlyNew!), FOR)).resolves.toBe(false);
  });

  it('steps the difficulty up with the flood: doubled per doubling past the limit, capped', () => {
    const { challenge } = setup();
    expect([1.01, 1.99, 2, 3.9, 4, 8, 16, 1e6].map((p) => challenge.difficultyAt(p))).toEqual([
      200, 200, 400, 400, 800, 1600, 3200, 3200,
    ]);
  });
});
