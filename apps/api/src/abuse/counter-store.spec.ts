import { performance } from 'node:perf_hooks';
import { InMemoryCounterStore } from './counter-store.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');

describe(InMemoryCounterStore.name, () => {
  it('counts within a window that keeps its first expiry, then starts over', async () => {
    const store = new InMemoryCounterStore();
    expect(await store.increment('k', 1000, T0)).toEqual({ count: 1, expiresAt: T0 + 1000 });
    expect(await store.increment('k', 1000, T0 + 500)).toEqual({
      count: 2,
      expiresAt: T0 + 1000,
    });
    expect(await store.get('k', T0 + 999)).toEqual({ count: 2, expiresAt: T0 + 1000 });
    expect(await store.get('k', T0 + 1000)).toBeNull();
    expect(await store.increment('k', 1000, T0 + 1000)).toEqual({
      count: 1,
      expiresAt: T0 + 2000,
    });
  });

  it('decrement gives a reservation back, never below zero, and never creates a counter', async () => {
    const store = new InMemoryCounterStore();
    await store.decrement('missing', T0);
    expect(await store.get('missing', T0)).toBeNull();
    await store.increment('k', 1000, T0);
    await store.decrement('k', T0);
    await store.decrement('k', T0);
    expect(await store.get('k', T0)).toEqual({ count: 0, expiresAt: T0 + 1000 });
    await store.increment('old', 1000, T0);
    await store.decrement('old', T0 + 1000);
    expect(await store.get('old', T0 + 1000)).toBeNull();
  });

  it('set overwrites with a new window; delete removes', async () => {
    const store = new InMemoryCounterStore();
    await store.increment('k', 1000, T0, 5);
    await store.set('k', 1, 60_000, T0 + 10);
    expect(await store.get('k', T0 + 2000)).toEqual({ count: 1, expiresAt: T0 + 60_010 });
    await store.delete('k');
    expect(await store.get('k', T0)).toBeNull();
  });

  it('holds at most maxKeys keys and drops the least recently used first', async () => {
    const store = new InMemoryCounterStore(1000);
    await store.set('lock:victim', 1, 900_000, T0);
    for (let i = 0; i < 5000; i++) {
      await store.increment(`flood:${i}`, 3_600_000, T0);
      // A key in use (a lock checked on every attempt) stays while the flood passes by.
      if (i % 500 === 0) await store.get('lock:victim', T0);
    }
    expect(store.size).toBe(1000);
    expect(await store.get('lock:victim', T0)).not.toBeNull();
    expect(await store.get('flood:0', T0)).toBeNull();
    expect(await store.get('flood:4999', T0)).not.toBeNull();
  });

  it('costs O(1) per operation past its bound: 100,000 new keys over a bound of 10,000 in well under 3 s', async () => {
    // The previous store swept every entry on each new key once full: ≈ 13 s here.
    const store = new InMemoryCounterStore(10_000);
    const t0 = performance.now();
    for (let i = 0; i < 100_000; i++) await store.increment(`k${i}`, 60_000, T0);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(store.size).toBe(10_000);
  });
});
