import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { JwksKeyStore, type SigningKeySource } from './jwks-key-store';

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

describe(JwksKeyStore.name, () => {
  let t: number;
  const now = () => t;
  beforeEach(() => {
    t = 1_000_000;
  });

  it('parses each key once and serves it from memory', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = new JwksKeyStore(source, { now });
    const a: KeyObject = await store.key('k1');
    const b = await store.key('k1');
    expect(a).toBe(b);
    expect(a.asymmetricKeyType).toBe('rsa');
    expect(source.fetches).toBe(1);
  });

  it('refreshes on an unknown kid, at most N times a minute', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = new JwksKeyStore(source, { now, unknownKidRefreshesPerMinute: 3 });
    for (let i = 0; i < 5; i++)
      await expect(store.key(`junk${i}`)).rejects.toThrow(/Unable to find a signing key/);
    expect(source.fetches).toBe(3);
    t += 60_001;
    source.keys.k2 = pem();
    await expect(store.key('k2')).resolves.toBeDefined();
    expect(source.fetches).toBe(4);
  });

  it('refreshes a stale set on use, and keeps serving known keys when the JWKS is unreachable', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = new JwksKeyStore(source, { now, maxAgeMs: 1000 });
    const k1 = await store.key('k1');
    t += 2000;
    source.fail = true;
    await expect(store.key('k1')).resolves.toBe(k1);
    expect(source.fetches).toBe(2);
    await expect(store.key('k-unknown')).rejects.toThrow('JWKS unreachable');
  });

  it('reports keys that left the set', async () => {
    const source = new FakeSource({ k1: pem(), k2: pem() });
    const store = new JwksKeyStore(source, { now });
    const removed: string[][] = [];
    store.onKeysRemoved((kids) => removed.push(kids));
    await store.refresh();
    delete source.keys.k1;
    await store.refresh();
    expect(removed).toEqual([['k1']]);
    expect(store.has('k1')).toBe(false);
    expect(store.has('k2')).toBe(true);
  });

  it('shares one fetch between concurrent callers', async () => {
    const source = new FakeSource({ k1: pem() });
    const store = new JwksKeyStore(source, { now });
    await Promise.all([store.key('k1'), store.key('k1'), store.key('k1')]);
    expect(source.fetches).toBe(1);
  });
});
