import { BoundedCache } from './bounded-cache';

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
