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
