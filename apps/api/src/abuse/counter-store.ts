// Counters and short-lived entries for every limit. The interface is small on purpose so a
// shared implementation (Redis: INCR + PEXPIRE NX, SET PX, a DECR that never goes below
// zero) can replace the in-memory one when the API runs as several processes. Every
// operation that a limit decides on is one atomic step of the store: a limit reserves its
// place with `increment` before the work it limits, and gives it back with `decrement`.
//
// What a store keeps per address lives in one record per address (AddressField keys and the
// address's latest code): in Redis one small hash with one TTL, so a flood of unique
// addresses costs one small key each (docs: "Redis memory per flooded address").
import { LRUCache } from 'lru-cache';

export interface Counter {
  count: number;
  /** When the counter (and its window) disappears, ms since the epoch. */
  expiresAt: number;
}

/** A counter kept in its address's one record (its own window, the record's one TTL). */
export interface AddressField {
  address: string;
  /** Short: in Redis it is stored once per address. */
  field: string;
}

export type CounterKey = string | AddressField;

/** The counter `field` of `address`'s record. */
export const addressField = (address: string, field: string): AddressField => ({
  address,
  field,
});

/** A key as one string (the in-memory store's key). */
export const keyName = (key: CounterKey): string =>
  typeof key === 'string' ? key : `${key.field}:${key.address}`;

/**
 * The store's verdict on a guess against the address's latest code, in Auth0's order: a
 * dead code stays dead, then expiry, then a guess counts and the third wrong one kills it.
 * `right` only when the guess was right for Auth0 and the latest code's send is confirmed;
 * `none` when the address has no latest code (never started, spent, or past retention).
 */
export type CodeVerdict = 'right' | 'wrong' | 'dead' | 'expired' | 'none';

export interface CodeGuess {
  /** Auth0 took the guess. */
  right: boolean;
  lifetimeMs: number;
  maxAttempts: number;
  /** How long the record answers at all after the code was issued. */
  retentionMs: number;
}

export abstract class CounterStore {
  /**
   * Adds `by` to the counter at `key` and returns it. A missing or expired counter starts
   * at zero with a window of `ttlMs` from `now`; an existing one keeps its expiry.
   */
  abstract increment(key: CounterKey, ttlMs: number, now: number, by?: number): Promise<Counter>;
  /**
   * Takes one off a live counter (a reservation given back), never below zero. A missing or
   * expired counter stays missing: a release never creates a window.
   */
  abstract decrement(key: CounterKey, now: number): Promise<void>;
  /** The live counter at `key`, or null. */
  abstract get(key: CounterKey, now: number): Promise<Counter | null>;
  /** Sets `key` to `value` for `ttlMs` (overwriting). */
  abstract set(key: CounterKey, value: number, ttlMs: number, now: number): Promise<void>;
  abstract delete(key: CounterKey): Promise<void>;

  /**
   * A start's one write for the address's latest code, the same for every address: a new
   * code, issued `now`, no attempts, its send not confirmed. Returns its number (the start's
   * place in the address's sequence), which a later `confirmCode` names.
   */
  abstract issueCode(address: string, retentionMs: number, now: number): Promise<number>;
  /** Auth0 confirmed the send of code `number`: true when it is still the latest. */
  abstract confirmCode(address: string, number: number, now: number): Promise<boolean>;
  /** The number of the address's latest code, or null. */
  abstract latestCode(address: string, retentionMs: number, now: number): Promise<number | null>;
  /** Decides a guess against the latest code, atomically (see CodeVerdict). */
  abstract guessCode(address: string, guess: CodeGuess, now: number): Promise<CodeVerdict>;
}

/** The address's latest code as a store keeps it. */
export interface CodeRecord {
  number: number;
  attempts: number;
  issuedAt: number;
  /** 0: send not confirmed (or no send: a decoy), 1: confirmed, 2: spent (single use). */
  state: 0 | 1 | 2;
}

/** The verdict of CodeVerdict on a record, and the record after the guess (shared logic). */
export function decideGuess(
  code: CodeRecord | undefined,
  guess: CodeGuess,
  now: number,
): { verdict: CodeVerdict; after?: CodeRecord } {
  if (!code || code.state === 2 || now - code.issuedAt >= guess.retentionMs)
    return { verdict: 'none' };
  if (code.attempts >= guess.maxAttempts) return { verdict: 'dead' };
  if (now >= code.issuedAt + guess.lifetimeMs) return { verdict: 'expired' };
  if (guess.right && code.state === 1) return { verdict: 'right', after: { ...code, state: 2 } };
  const attempts = code.attempts + 1;
  return {
    verdict: attempts >= guess.maxAttempts ? 'dead' : 'wrong',
    after: { ...code, attempts },
  };
}

/** Keys the in-memory store holds at most (≈ 46 MB of heap at the bound, measured). */
export const DEFAULT_MAX_KEYS = 200_000;

/**
 * In-process store on `lru-cache`: every operation is O(1) and at most `maxKeys` keys live
 * at once; when full, the least recently used key goes (which can only make a limit more
 * lenient for a key nobody has touched for the longest time, never lock anyone out). An
 * expired counter is dropped when it is next read, or when it reaches the cold end.
 *
 * Why lru-cache and not rate-limiter-flexible's RateLimiterMemory (both evaluated): the
 * latter has no bound on its keys (a flood of distinct addresses and IPs grows it for a
 * whole window, an hour for the per-IP limits), arms one timer per key, and reads
 * Date.now() itself, so the injected Clock (and the tests that move it) would not apply;
 * its one-limiter-per-rule model also fits cooldowns, locks and per-code state less well
 * than five store operations. Its Redis backend (atomic consume in a Lua script) stays an
 * option for the shared store; the port above is what that adapter implements.
 */
export class InMemoryCounterStore extends CounterStore {
  private readonly entries: LRUCache<string, Counter>;
  /** The addresses' latest codes, under the same bound (one entry per address). */
  private readonly codes: LRUCache<string, CodeRecord & { expiresAt: number }>;

  constructor(readonly maxKeys = DEFAULT_MAX_KEYS) {
    super();
    this.entries = new LRUCache<string, Counter>({ max: maxKeys });
    this.codes = new LRUCache<string, CodeRecord & { expiresAt: number }>({ max: maxKeys });
  }

  increment(key: CounterKey, ttlMs: number, now: number, by = 1): Promise<Counter> {
    const name = keyName(key);
    let entry = this.entries.get(name);
    if (!entry || entry.expiresAt <= now) {
      entry = { count: 0, expiresAt: now + ttlMs };
      this.entries.set(name, entry);
    }
    entry.count += by;
    return Promise.resolve({ ...entry });
  }

  decrement(key: CounterKey, now: number): Promise<void> {
    const entry = this.entries.get(keyName(key));
    if (entry && entry.expiresAt > now && entry.count > 0) entry.count -= 1;
    return Promise.resolve();
  }

  get(key: CounterKey, now: number): Promise<Counter | null> {
    const name = keyName(key);
    const entry = this.entries.get(name);
    if (!entry) return Promise.resolve(null);
    if (entry.expiresAt <= now) {
      this.entries.delete(name);
      return Promise.resolve(null);
    }
    return Promise.resolve({ ...entry });
  }

  set(key: CounterKey, value: number, ttlMs: number, now: number): Promise<void> {
    this.entries.set(keyName(key), { count: value, expiresAt: now + ttlMs });
    return Promise.resolve();
  }

  delete(key: CounterKey): Promise<void> {
    this.entries.delete(keyName(key));
    return Promise.resolve();
  }

  private code(address: string, now: number) {
    const code = this.codes.get(address);
    return code && code.expiresAt > now ? code : undefined;
  }

  issueCode(address: string, retentionMs: number, now: number): Promise<number> {
    const number = (this.code(address, now)?.number ?? 0) + 1;
    this.codes.set(address, {
      number,
      attempts: 0,
      issuedAt: now,
      state: 0,
      expiresAt: now + retentionMs,
    });
    return Promise.resolve(number);
  }

  confirmCode(address: string, number: number, now: number): Promise<boolean> {
    const code = this.code(address, now);
    if (!code || code.number !== number) return Promise.resolve(false);
    if (code.state === 0) code.state = 1;
    return Promise.resolve(true);
  }

  latestCode(address: string, _retentionMs: number, now: number): Promise<number | null> {
    return Promise.resolve(this.code(address, now)?.number ?? null);
  }

  guessCode(address: string, guess: CodeGuess, now: number): Promise<CodeVerdict> {
    const code = this.code(address, now);
    const { verdict, after } = decideGuess(code, guess, now);
    if (code && after) Object.assign(code, after);
    return Promise.resolve(verdict);
  }

  /** Keys held: counters and latest codes (the flood bench's view). */
  get size(): number {
    return this.entries.size + this.codes.size;
  }
}
