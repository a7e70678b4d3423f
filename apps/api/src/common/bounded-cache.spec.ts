import { BoundedCache, LongKeyCache } from './bounded-cache.js';

describe(BoundedCache.name, () => {
  it('never holds more than maxEntries', () => {
    const cache = new BoundedCache<number, number>(100);
    for (let i = 0; i < 10_000; i++) {
      cache.set(i, i);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
  });

  it('keeps the most recent entries', () => {
    const cache = new BoundedCache<number, number>(100);
    for (let i = 0; i < 1000; i++) cache.set(i, i * 2);
    expect(cache.get(999)).toBe(1998);
    expect(cache.get(950)).toBe(1900);
    expect(cache.get(0)).toBeUndefined();
  });

  it('promotes entries that are read, so used ones survive', () => {
    const cache = new BoundedCache<string, number>(4);
    cache.set('hot', 1);
    cache.set('a', 2); // current is full (2): next insert moves it to previous
    for (let i = 0; i < 20; i++) {
      cache.set(`cold${i}`, i);
      expect(cache.get('hot')).toBe(1);
    }
    expect(cache.get('a')).toBeUndefined();
  });

  it('updates, deletes and deletes by predicate', () => {
    const cache = new BoundedCache<string, number>(10);
    cache.set('x', 1);
    cache.set('x', 2);
    expect(cache.get('x')).toBe(2);
    expect(cache.size).toBe(1);
    cache.delete('x');
    expect(cache.has('x')).toBe(false);
    for (let i = 0; i < 8; i++) cache.set(`k${i}`, i);
    cache.deleteWhere((v) => v % 2 === 0);
    expect(cache.size).toBe(4);
    expect(cache.get('k1')).toBe(1);
    expect(cache.get('k2')).toBeUndefined();
  });
});

describe(LongKeyCache.name, () => {
  const token = (body: string, tail: string) => `${body}.${'x'.repeat(400)}${tail}`;

  it('finds a key given as a different string with the same content', () => {
    const cache = new LongKeyCache<number>(10);
    const key = token('a', 'SIGNATURE-TAIL');
    cache.set(key, 1);
    expect(cache.get([...key].join(''))).toBe(1);
    expect(cache.has(key)).toBe(true);
  });

  it('never answers for a key that only shares the tail (a forgery keeps the signature)', () => {
    const cache = new LongKeyCache<number>(10);
    const real = token('real', 'SAME-TAIL-123');
    cache.set(real, 1);
    const forged = token('forged', 'SAME-TAIL-123');
    expect(cache.get(forged)).toBeUndefined();
    expect(cache.has(forged)).toBe(false);
    // Deleting the forgery leaves the real entry alone.
    cache.delete(forged);
    expect(cache.get(real)).toBe(1);
    // Setting it replaces the real one (a miss for the real key later, never a wrong hit).
    cache.set(forged, 2);
    expect(cache.get(forged)).toBe(2);
    expect(cache.get(real)).toBeUndefined();
  });

  it('is bounded, deletes and filters by the whole key', () => {
    const cache = new LongKeyCache<number>(100);
    for (let i = 0; i < 5000; i++) {
      cache.set(token(String(i), `tail-${String(i).padStart(8, '0')}`), i);
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    const last = token('4999', 'tail-00004999');
    expect(cache.get(last)).toBe(4999);
    cache.delete(last);
    expect(cache.get(last)).toBeUndefined();
    cache.deleteWhere((value, key) => value % 2 === 0 && key.startsWith('4998'));
    expect(cache.get(token('4998', 'tail-00004998'))).toBeUndefined();
    expect(cache.get(token('4997', 'tail-00004997'))).toBe(4997);
  });
});
