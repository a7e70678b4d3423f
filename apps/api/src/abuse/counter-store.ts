// Counters and short-lived entries for every limit. The interface is small on purpose so a
// shared implementation (Redis: INCR + PEXPIRE NX, SET PX, a DECR that never goes below
// zero) can replace the in-memory one when the API runs as several processes. Every
// operation that a limit decides on is one atomic step of the store: a limit reserves its
// place with `increment` before the work it limits, and gives it back with `decrement`.
import { LRUCache } from 'lru-cache';

export interface Counter {
  count: number;
  /** When the counter (and its window) disappears, ms since the epoch. */
  expiresAt: number;
}

export abstract class CounterStore {
  /**
   * Adds `by` to the counter at `key` and returns it. A missing or expired counter starts
   * at zero with a window of `ttlMs` from `now`; an existing one keeps its expiry.
   */
  abstract increment(key: string, ttlMs: number, now: number, by?: number): Promise<Counter>;
  /**
   * Takes one off a live counter (a reservation given back), never below zero. A missing or
   * expired counter stays missing: a release never creates a window.
   */
  abstract decrement(key: string, now: number): Promise<void>;
  /** The live counter at `key`, or null. */
  abstract get(key: string, now: number): Promise<Counter | null>;
  /** Sets `key` to `value` for `ttlMs` (overwriting). */
  abstract set(key: string, value: number, ttlMs: number, now: number): Promise<void>;
  abstract delete(key: string): Promise<void>;
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

  constructor(readonly maxKeys = DEFAULT_MAX_KEYS) {
    super();
    this.entries = new LRUCache<string, Counter>({ max: maxKeys });
  }

  increment(key: string, ttlMs: number, now: number, by = 1): Promise<Counter> {
    let entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= now) {
      entry = { count: 0, expiresAt: now + ttlMs };
      this.entries.set(key, entry);
    }
    entry.count += by;
    return Promise.resolve({ ...entry });
  }

  decrement(key: string, now: number): Promise<void> {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > now && entry.count > 0) entry.count -= 1;
    return Promise.resolve();
  }

  get(key: string, now: number): Promise<Counter | null> {
    const entry = this.entries.get(key);
    if (!entry) return Promise.resolve(null);
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return Promise.resolve(null);
    }
    return Promise.resolve({ ...entry });
  }

  set(key: string, value: number, ttlMs: number, now: number): Promise<void> {
    this.entries.set(key, { count: value, expiresAt: now + ttlMs });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  get size(): number {
    return this.entries.size;
  }
}
