// The flood challenge: past STARTS_GLOBAL_PER_MINUTE, start does not turn everyone away
// (anyone with rotating addresses could then lock every legitimate person out); it asks for
// a proof of work instead, alike for every address. Self-hosted and offline: ALTCHA
// challenges (altcha-lib) signed with keys derived from the session key ring's current
// secret and accepted under every secret of the ring, so instances accept each other's
// challenges all through a rotation of SESSION_SECRETS (`old,new` on one, `new,old` on
// another: each signs with its first secret, and both hold both).
//
// Deterministic mode: the server picks the counter at random (between half the difficulty
// and the difficulty) and signs the key it derives; a solver tries counters from 0 until the
// derived key matches the signed prefix, so the work is bounded and predictable, and checking
// a proof is two HMACs. Each proof is accepted once: its challenge is remembered in the
// limits' store until the challenge expires.
//
// A proof buys one start, for what it was issued for (issue 20, case 5): the challenge's
// signed `data.bind` is a MAC of the address and the client's network (IPv4 /24, IPv6 /64),
// checked on redemption, so proofs cannot be stocked for any address or farmed out to other
// machines; it lives CHALLENGE_TTL_SECONDS; and its difficulty steps up with the flood:
// CHALLENGE_DIFFICULTY while the minute's starts are under twice STARTS_GLOBAL_PER_MINUTE,
// doubled each time they double again, up to CHALLENGE_MAX_DIFFICULTY.
//
// Challenges are written here with node:crypto, in exactly the form altcha-lib's
// createChallenge writes them (its SHA-256 deriveKey, cost 1, a 16-byte prefix): under a flood
// every refused start costs one, and altcha-lib's WebCrypto calls (importKey, sign, digest,
// each a thread-pool job) made that ≈ 1.2 ms of CPU against ≈ 20 µs. Proofs are checked with
// altcha-lib's verifySolution, so the format stays the library's (the tests solve with its
// solver and the SPA uses it).
import {
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
  randomInt,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ChallengeSchema, type Challenge } from '@portcullis/shared';
import { verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import * as z from 'zod';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { clientNetwork } from './client-ip.js';
import { CounterStore } from './counter-store.js';
import { GlobalStartGate, type OverLimitStart } from './limits.service.js';

/**
 * How long a challenge may be solved and redeemed: longer than the SPA's solver waits (60 s)
 * at the hardest step on a slow phone, short enough that proofs are not stocked ahead.
 */
export const CHALLENGE_TTL_SECONDS = 90;
/** One SHA-256 per counter tried: browsers try ≈ 10⁵–10⁶ a second on one core. */
const ALGORITHM = 'SHA-256';

export class ChallengeRequired extends DomainError {
  constructor(
    readonly challenge: Challenge,
    detail: string,
  ) {
    super('challenge_required', detail);
  }
}

const SolutionSchema = z.object({
  counter: z.number().int().nonnegative(),
  derivedKey: z.string().max(256),
});
const PayloadSchema = z.object({ challenge: ChallengeSchema, solution: SolutionSchema });

/** Who a challenge is for: the address and the client IP it was asked with. */
export interface ChallengeBinding {
  email: string;
  ip: string | undefined;
}

function decodeProof(proof: string): z.infer<typeof PayloadSchema> | null {
  try {
    const parsed = PayloadSchema.safeParse(JSON.parse(Buffer.from(proof, 'base64').toString()));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The keys derived from one secret of the ring. */
interface ChallengeKeys {
  signatureSecret: string;
  keySignatureSecret: string;
  /** The same secrets as keys made once (a string key is imported again on every HMAC). */
  signatureKey: KeyObject;
  keySignatureKey: KeyObject;
  bindKey: KeyObject;
}

function challengeKeys(secret: string): ChallengeKeys {
  // Separate keys for separate jobs: a challenge signature is never a session MAC.
  const derive = (label: string) => createHmac('sha256', secret).update(label).digest('hex');
  const signatureSecret = derive('portcullis flood challenge: signature');
  const keySignatureSecret = derive('portcullis flood challenge: derived key');
  return {
    signatureSecret,
    keySignatureSecret,
    // altcha-lib takes a secret's UTF-8 bytes as the HMAC key.
    signatureKey: createSecretKey(Buffer.from(signatureSecret)),
    keySignatureKey: createSecretKey(Buffer.from(keySignatureSecret)),
    bindKey: createSecretKey(Buffer.from(derive('portcullis flood challenge: binding'))),
  };
}

@Injectable()
export class FloodChallenge extends GlobalStartGate {
  /** One set per secret of SESSION_SECRETS, in ring order: the first signs, all verify. */
  private readonly keys: ChallengeKeys[];
  private readonly difficulty: number;
  private readonly maxDifficulty: number;

  constructor(
    private readonly store: CounterStore,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.keys = config.session.secrets.map(challengeKeys);
    this.difficulty = config.limits.challengeDifficulty;
    this.maxDifficulty = config.limits.challengeMaxDifficulty;
  }

  /**
   * Past the global limit: a valid, unused proof of a challenge issued for this address and
   * this client's network goes on; anything else gets a challenge as hard as the flood is.
   */
  async overLimit(proof: string | undefined, start: OverLimitStart): Promise<void> {
    if (proof !== undefined && (await this.redeem(proof, start))) return;
    throw new ChallengeRequired(
      await this.create(start, this.difficultyAt(start.pressure)),
      proof === undefined
        ? 'Many people are signing in right now. Solve the challenge and send its proof.'
        : 'That proof is not valid (or was used already). Solve this challenge instead.',
    );
  }

  /**
   * The largest counter for a flood `pressure` times the global limit: the base under twice
   * the limit, doubled for every doubling past it, capped. An attacker who doubles the flood
   * doubles the work of every one of its starts.
   */
  difficultyAt(pressure: number): number {
    const doublings = pressure >= 2 ? Math.floor(Math.log2(pressure)) : 0;
    return Math.min(this.maxDifficulty, this.difficulty * 2 ** Math.min(doublings, 30));
  }

  /** The MAC a challenge for this address and client network carries (hex, 128 bits). */
  private bind({ email, ip }: ChallengeBinding, keys: ChallengeKeys): string {
    return createHmac('sha256', keys.bindKey)
      .update(`${email}\n${clientNetwork(ip)}`)
      .digest()
      .subarray(0, 16)
      .toString('hex');
  }

  /**
   * What altcha-lib's createChallenge returns for SHA-256, cost 1, a random counter up to
   * `difficulty`, and `data: { bind }` (signed with the other parameters).
   */
  create(binding: ChallengeBinding, difficulty = this.difficulty): Promise<Challenge> {
    const keys = this.keys[0]!;
    const nonce = randomBytes(16);
    const salt = randomBytes(16);
    // The password is the nonce and the counter as a big-endian uint32 (altcha-lib's default).
    const password = Buffer.alloc(20);
    nonce.copy(password);
    password.writeUInt32BE(randomInt(Math.ceil(difficulty / 2), difficulty + 1), 16);
    const derivedKey = createHash('sha256').update(salt).update(password).digest();
    // Keys in sorted order: the signature covers this object's canonical (sorted) JSON.
    const parameters = {
      algorithm: ALGORITHM,
      cost: 1,
      data: { bind: this.bind(binding, keys) },
      expiresAt: Math.floor(this.clock.now() / 1000) + CHALLENGE_TTL_SECONDS,
      keyLength: 32,
      keyPrefix: derivedKey.subarray(0, 16).toString('hex'),
      keySignature: createHmac('sha256', keys.keySignatureKey).update(derivedKey).digest('hex'),
      nonce: nonce.toString('hex'),
      salt: salt.toString('hex'),
    };
    const signature = createHmac('sha256', keys.signatureKey)
      .update(JSON.stringify(parameters))
      .digest('hex');
    return Promise.resolve({ parameters, signature });
  }

  /**
   * True once for each valid proof of an unexpired challenge this server signed for this
   * address and this client's network.
   */
  async redeem(proof: string, binding: ChallengeBinding): Promise<boolean> {
    const payload = decodeProof(proof);
    if (!payload) return false;
    const { challenge, solution } = payload;
    const now = this.clock.now();
    const expiresAt = challenge.parameters.expiresAt;
    if (expiresAt === undefined || expiresAt * 1000 <= now) return false;
    // The signature below covers `data`: a bind that matches here was issued for this start.
    const data: unknown = challenge.parameters.data;
    const bind =
      typeof data === 'object' && data !== null ? (data as { bind?: unknown }).bind : null;
    if (typeof bind !== 'string') return false;
    // The secret that made it: the one whose binding MAC it carries (one HMAC per secret).
    const keys = this.keys.find((k) => {
      const expected = Buffer.from(this.bind(binding, k));
      return bind.length === expected.length && timingSafeEqual(Buffer.from(bind), expected);
    });
    if (!keys) return false;
    const result = await verifySolution({
      challenge,
      solution,
      deriveKey,
      hmacSignatureSecret: keys.signatureSecret,
      hmacKeySignatureSecret: keys.keySignatureSecret,
    }).catch(() => ({ verified: false }));
    if (!result.verified) return false;
    // Atomic: of concurrent requests carrying the same proof, exactly one is first.
    const used = await this.store.increment(
      `challenge:used:${challenge.signature}`,
      expiresAt * 1000 - now,
      now,
    );
    return used.count === 1;
  }
}
