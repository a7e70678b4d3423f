import { VerifiedTokenCache, tokenKid } from './verified-token-cache.js';

describe(VerifiedTokenCache.name, () => {
  const now = 1_800_000_000_000;
  const claims = (expInSeconds: number, extra: Record<string, unknown> = {}) => ({
    sub: 'u',
    exp: Math.floor(now / 1000) + expInSeconds,
    ...extra,
  });

  it('returns claims until exp, and nothing from exp on', () => {
    const cache = new VerifiedTokenCache();
    cache.set('t', 'k1', claims(60), now);
    expect(cache.get('t', now + 59_999)).toEqual(claims(60));
    expect(cache.get('t', now + 60_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('does not store tokens without exp, already expired, or not yet valid', () => {
    const cache = new VerifiedTokenCache();
    cache.set('no-exp', 'k', { sub: 'u' }, now);
    cache.set('expired', 'k', claims(-1), now);
    cache.set('nbf-future', 'k', claims(60, { nbf: Math.floor(now / 1000) + 10 }), now);
    cache.set('nbf-garbage', 'k', claims(60, { nbf: 'soon' }), now);
    expect(cache.size).toBe(0);
  });

  it('is bounded: the oldest entries go first', () => {
    const cache = new VerifiedTokenCache(100);
    for (let i = 0; i < 150; i++) cache.set(`t${i}`, 'k', claims(60), now);
    expect(cache.size).toBe(100);
    expect(cache.get('t0', now)).toBeUndefined();
    expect(cache.get('t49', now)).toBeUndefined();
    expect(cache.get('t50', now)).toBeDefined();
    expect(cache.get('t149', now)).toBeDefined();
  });

  it('matches whole tokens only: a token sharing a prefix is a miss', () => {
    const cache = new VerifiedTokenCache();
    cache.set('aaa.bbb.ccc', 'k', claims(60), now);
    expect(cache.get('aaa.bbb.cc', now)).toBeUndefined();
    expect(cache.get('aaa.bbb.ccd', now)).toBeUndefined();
    expect(cache.get('aaa.bbb.ccc ', now)).toBeUndefined();
  });

  it('with admitOnSecondSight, stores a token the second time it verifies', () => {
    const cache = new VerifiedTokenCache(100, { admitOnSecondSight: true });
    cache.set('one-time', 'k', claims(60), now);
    expect(cache.get('one-time', now)).toBeUndefined();
    expect(cache.size).toBe(0);
    cache.set('one-time', 'k', claims(60), now);
    expect(cache.get('one-time', now)).toEqual(claims(60));
  });

  it('drops the tokens of removed keys and keeps the others', () => {
    const cache = new VerifiedTokenCache();
    cache.set('a', 'old', claims(60), now);
    cache.set('b', 'new', claims(60), now);
    cache.dropKeys(['old']);
    expect(cache.get('a', now)).toBeUndefined();
    expect(cache.get('b', now)).toBeDefined();
  });

  it('reads the kid of a compact JWS header, and nothing from garbage', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'abc' })).toString('base64url');
    expect(tokenKid(`${header}.e30.sig`)).toBe('abc');
    expect(tokenKid('not-a-token')).toBeUndefined();
    expect(tokenKid('%%%.e30.x')).toBeUndefined();
    expect(tokenKid(`${Buffer.from('{"kid":5}').toString('base64url')}.e30.x`)).toBeUndefined();
  });
});
