import { jest } from '@jest/globals';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SigningKeyNotFoundError } from 'jwks-rsa';
import { JwksKeyStore, KEY_STORE_DEFAULTS, type SigningKeySource } from './jwks-key-store.js';

function pem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .publicKey.export({ type: 'spki', format: 'pem' })
    .toString();
}

class FakeSource implements SigningKeySource {
  fetches = 0;
  fail = false;
  constructor(public keys: Record<string, string>) {}
  getSigningKeys() {
    this.fetches++;
    if (this.fail) return Promise.reject(new Error('JWKS unreachable'));
    return Promise.resolve(
      Object.entries(this.keys).map(([kid, p]) => ({ kid, getPublicKey: () => p })),
    );
  }
}

const TEN_MINUTES = 10 * 60_000;

describe(JwksKeyStore.name, () => {
  // The injected clock and Jest's timers move together, one step at a time.
  let t: number;
  const now = () => t;
  async function advance(ms: number, step = 100): Promise<void> {
    for (let done = 0; done < ms; done += step) {
      t += step;
      await jest.advanceTimersByTimeAsync(step);
    }
  }
  /** Advances until `condition` holds, and returns how long that took (fails past `limitMs`). */
  async function elapsedUntil(condition: () => boolean, limitMs: number, step = 100) {
    const start = t;
    while (!condition()) {
      if (t - start > limitMs) throw new Error(`not within ${limitMs} ms`);
      await advance(step, step);
    }
    return t - start;
  }
  const stores: JwksKeyStore[] = [];
  function storeFor(source: SigningKeySource, options = {}) {
    const store = new JwksKeyStore(source, { now, ...options });
    stores.push(store);
    store.start();
    return store;
  }

  beforeEach(() => {
    jest.useFakeTimers();
    t = 1_000_000;
  });

  afterEach(() => {
    for (const s of stores.splice(0)) s.stop();
    jest.useRealTimers();
  });

  it('parses each key once and serves it from memory', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = storeFor(source);
    const a: KeyObject = await store.key('k1');
    const b = await store.key('k1');
    expect(a).toBe(b);
    expect(a.asymmetricKeyType).toBe('rsa');
    expect(source.fetches).toBe(1);
  });

  it('fetches nothing before the first token is seen', async () => {
    const source = new FakeSource({ k1: pem() });
    storeFor(source);
    await advance(TEN_MINUTES, 1000);
    expect(source.fetches).toBe(0);
  });

  it('drops a key removed from the JWKS within 10 minutes on its timer, with no traffic reaching the store', async () => {
    const source = new FakeSource({ k1: pem(), k2: pem() });
    const store = storeFor(source);
    const removed: string[][] = [];
    store.onKeysRemoved((kids) => removed.push(kids));
    await store.key('k1');
    // Auth0 retires k1; from now on every request is answered by the verified-token cache,
    // so nothing asks the store for a key.
    delete source.keys.k1;
    const took = await elapsedUntil(() => removed.length > 0, TEN_MINUTES, 1000);
    expect(took).toBeLessThanOrEqual(KEY_STORE_DEFAULTS.maxAgeMs + 1000);
    expect(removed).toEqual([['k1']]);
    // k2 stays: it is answered without a fetch.
    await expect(store.key('k2')).resolves.toBeDefined();
    // One timed fetch per maxAge, not one per tick.
    expect(source.fetches).toBe(2);
    await advance(KEY_STORE_DEFAULTS.maxAgeMs - 2000, 1000);
    expect(source.fetches).toBe(2);
  });

  it('keeps serving known keys when the JWKS is unreachable, and retries later rather than every tick', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = storeFor(source, { maxAgeMs: 60_000, retryAfterFailureMs: 30_000 });
    const k1 = await store.key('k1');
    source.fail = true;
    await advance(60_000, 1000);
    expect(source.fetches).toBe(2);
    await expect(store.key('k1')).resolves.toBe(k1);
    await advance(29_000, 1000);
    expect(source.fetches).toBe(2);
    await advance(2000, 1000);
    expect(source.fetches).toBe(3);
    await expect(store.key('k-unknown')).rejects.toThrow('JWKS unreachable');
  });

  it('a burst of junk kids costs Auth0 a few fetches, and a key rotated in right after is accepted within seconds', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = storeFor(source);
    await store.key('k1');
    const junk = Array.from({ length: 12 }, (_, i) => store.key(`junk-${i}`));
    const settled = Promise.allSettled(junk);
    let done = false;
    void settled.then(() => (done = true));
    await elapsedUntil(() => done, 10_000);
    for (const r of await settled) expect(r.status).toBe('rejected');
    expect(source.fetches).toBeLessThanOrEqual(1 + KEY_STORE_DEFAULTS.unknownKidBurst);
    // Auth0 rotates: the first real token signed by the new key arrives right after the junk.
    source.keys.k2 = pem();
    let k2: KeyObject | undefined;
    void store.key('k2').then((k) => (k2 = k));
    const took = await elapsedUntil(() => k2 !== undefined, 10_000);
    expect(took).toBeLessThanOrEqual(KEY_STORE_DEFAULTS.unknownKidRefillMs);
    expect(k2?.asymmetricKeyType).toBe('rsa');
  });

  it('a steady stream of junk kids costs at most one fetch per refill interval, and never refuses a rotated key', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = storeFor(source);
    await store.key('k1');
    const before = source.fetches;
    const outcomes: Array<Promise<unknown>> = [];
    // 10 junk kids a second for a minute.
    for (let s = 0; s < 60; s++) {
      for (let i = 0; i < 10; i++)
        outcomes.push(store.key(`junk-${s}-${i}`).catch(() => 'refused'));
      await advance(1000);
    }
    const fetches = source.fetches - before;
    expect(fetches).toBeLessThanOrEqual(
      KEY_STORE_DEFAULTS.unknownKidBurst + 60_000 / KEY_STORE_DEFAULTS.unknownKidRefillMs,
    );
    source.keys.k2 = pem();
    let k2: KeyObject | undefined;
    void store.key('k2').then((k) => (k2 = k));
    for (let i = 0; i < 10; i++) outcomes.push(store.key(`junk-late-${i}`).catch(() => 'refused'));
    const took = await elapsedUntil(() => k2 !== undefined, 10_000);
    expect(took).toBeLessThanOrEqual(KEY_STORE_DEFAULTS.unknownKidRefillMs);
    await advance(KEY_STORE_DEFAULTS.unknownKidRefillMs * 2);
    expect(new Set(await Promise.all(outcomes))).toEqual(new Set(['refused']));
  });

  it('refreshes at once for an unknown kid while the budget lasts', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = storeFor(source, { unknownKidBurst: 2, unknownKidRefillMs: 5000 });
    await store.key('k1');
    source.keys.k2 = pem();
    await expect(store.key('k2')).resolves.toBeDefined();
    expect(source.fetches).toBe(2);
  });

  it('reports keys that left the set', async () => {
    const source = new FakeSource({ k1: pem(), k2: pem() });
    const store = storeFor(source);
    const removed: string[][] = [];
    store.onKeysRemoved((kids) => removed.push(kids));
    await store.refresh();
    delete source.keys.k1;
    await store.refresh();
    expect(removed).toEqual([['k1']]);
    await expect(store.key('k2')).resolves.toBeDefined();
    await expect(store.key('k1')).rejects.toThrow(SigningKeyNotFoundError);
  });

  it('shares one fetch between concurrent callers', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = storeFor(source);
    await Promise.all([store.key('k1'), store.key('k1'), store.key('k1')]);
    expect(source.fetches).toBe(1);
  });

  it('stops its timer', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = storeFor(source);
    await store.key('k1');
    store.stop();
    await advance(TEN_MINUTES, 1000);
    expect(source.fetches).toBe(1);
  });
});
