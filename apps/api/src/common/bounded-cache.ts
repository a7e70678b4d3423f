// A bounded map for hot-path caches. Two generations: entries go into `current`; when it is
// half full it becomes `previous` (dropping the old `previous` wholesale) and a new `current`
// starts. Every operation is O(1) — unlike evicting a Map's oldest key, whose cost grows with
// the deleted slots V8 leaves at the front — and a hit in `previous` is promoted, so the
// cache keeps what is used. At most `maxEntries` entries live at once.
export class BoundedCache<K, V> {
  private current = new Map<K, V>();
  private previous = new Map<K, V>();
  private readonly generationSize: number;

  constructor(readonly maxEntries: number) {
    this.generationSize = Math.max(1, Math.floor(maxEntries / 2));
  }

  get(key: K): V | undefined {
    const hit = this.current.get(key);
    if (hit !== undefined) return hit;
    const old = this.previous.get(key);
    if (old !== undefined) {
      this.previous.delete(key);
      this.insert(key, old);
    }
    return old;
  }

  has(key: K): boolean {
    return this.current.has(key) || this.previous.has(key);
  }

  set(key: K, value: V): void {
    if (this.current.has(key)) {
      this.current.set(key, value);
      return;
    }
    this.previous.delete(key);
    this.insert(key, value);
  }

  delete(key: K): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  /** Deletes every entry for which `drop` returns true. O(n): for rare events only. */
  deleteWhere(drop: (value: V, key: K) => boolean): void {
    for (const map of [this.current, this.previous]) {
      for (const [k, v] of map) if (drop(v, k)) map.delete(k);
    }
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  private insert(key: K, value: V): void {
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, value);
  }
}

/** How many trailing characters index a long key: 12 base64url chars are 72 bits. */
const TAIL = 12;

/**
 * A BoundedCache for long string keys: access tokens and sealed cookies (1–2 KB). V8 hashes
 * a string the first time it is used as a Map key, and every request brings a fresh string,
 * so a plain Map lookup hashes the whole token each time (≈3.5 µs for 1.5 KB, measured).
 * Here entries are indexed by the key's last 12 characters — the tail of a signature or an
 * AES-GCM tag, as good as random — and a hit is confirmed by comparing the whole key, which
 * costs a fraction of hashing it. A tail shared by two keys only means one replaces the
 * other (a miss, never a wrong hit). Slices under 13 characters are copies in V8, so an
 * index never keeps a bigger string alive.
 */
export class LongKeyCache<V> {
  private readonly entries: BoundedCache<string, { key: string; value: V }>;

  constructor(readonly maxEntries: number) {
    this.entries = new BoundedCache(maxEntries);
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key.slice(-TAIL));
    return entry !== undefined && entry.key === key ? entry.value : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, value: V): void {
    this.entries.set(key.slice(-TAIL), { key, value });
  }

  delete(key: string): void {
    const tail = key.slice(-TAIL);
    if (this.entries.get(tail)?.key === key) this.entries.delete(tail);
  }

  deleteWhere(drop: (value: V, key: string) => boolean): void {
    this.entries.deleteWhere((entry) => drop(entry.value, entry.key));
  }

  get size(): number {
    return this.entries.size;
  }
}
