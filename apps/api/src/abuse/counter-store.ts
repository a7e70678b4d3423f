// Counters and short-lived entries for every limit. The interface is small on purpose so a
// shared implementation (Redis: INCR + PEXPIRE NX, SET PX) can replace the in-memory one
// when the API runs as several processes.

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
  /** The live counter at `key`, or null. */
  abstract get(key: string, now: number): Promise<Counter | null>;
  /** Sets `key` to `value` for `ttlMs` (overwriting). */
  abstract set(key: string, value: number, ttlMs: number, now: number): Promise<void>;
  abstract delete(key: string): Promise<void>;
}

/**
 * In-process store: a Map with lazy expiry and a periodic sweep, bounded so a flood of
 * distinct keys (addresses, IPs) cannot grow memory without limit — when full, the oldest
 * entries go first (which can only make limits more lenient for the oldest keys, never
 * lock anyone out).
 */
export class InMemoryCounterStore extends CounterStore {
  private readonly entries = new Map<string, Counter>();

  constructor(private readonly maxEntries = 200_000) {
    super();
  }

  increment(key: string, ttlMs: number, now: number, by = 1): Promise<Counter> {
    let entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= now) {
      entry = { count: 0, expiresAt: now + ttlMs };
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.bound(now);
    }
    entry.count += by;
    return Promise.resolve({ ...entry });
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
    this.entries.delete(key);
    this.entries.set(key, { count: value, expiresAt: now + ttlMs });
    this.bound(now);
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries, then the oldest, until under the bound. */
  private bound(now: number): void {
    if (this.entries.size <= this.maxEntries) return;
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt <= now) this.entries.delete(key);
    }
    for (const key of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
