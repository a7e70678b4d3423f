// The guard's caches (verified tokens, decrypted cookies, keys per kid) must never make it
// accept what full verification would refuse.
import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { TokenVerifier } from '../src/auth/token-verifier.js';
import { ADA, accessClaims, auth0Calls, signIn, startStack, type Stack } from './harness.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('auth caches are safe', () => {
  let stack: Stack;

  beforeEach(async () => {
    stack = await startStack();
  });

  afterEach(async () => {
    await stack.stop();
  });

  const claims = (overrides: Record<string, unknown> = {}) => accessClaims(stack, overrides);

  const greet = (token: string) =>
    stack.client().get('/api/greeting', { authorization: `Bearer ${token}` });

  function unknownKidToken(): string {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: `unknown-${Math.random()}` })}.${b64(claims())}`;
    return `${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  }

  // That a cached Bearer token is never served past its exp is the verified-token cache's own
  // spec ('returns claims until exp, and nothing from exp on'): verifying exp itself uses
  // real time (passport-jwt's verifier), which a test cannot move.

  it('a cookie session whose access token expired is refreshed on the server, once', async () => {
    const client = await signIn(stack, ADA);
    expect((await client.get('/api/me')).status).toBe(200);
    const tokenCalls = auth0Calls(stack, '/oauth/token');
    stack.advance(25 * 3600_000); // the emulator's access tokens live 24 h
    expect((await client.get('/api/me')).status).toBe(200);
    expect((await client.get('/api/me')).status).toBe(200);
    expect(auth0Calls(stack, '/oauth/token')).toBe(tokenCalls + 1);
  });

  it('a token signed by a key removed from the JWKS is refused once the key set is refreshed', async () => {
    const token = stack.auth0.signToken(claims());
    const verifier = stack.app.get(TokenVerifier);
    // Twice: from the second sighting on, the token is in the verified-token cache.
    expect((await greet(token)).status).toBe(200);
    expect((await greet(token)).status).toBe(200);
    expect(verifier.verified.get(token, Date.now())).toBeDefined();
    stack.auth0.rotateKeys({ retirePrevious: true });
    // Still served from the cache: the API has not seen the new key set yet.
    expect((await greet(token)).status).toBe(200);
    // A token with a kid the API does not know makes it fetch the key set again.
    expect((await greet(unknownKidToken())).status).toBe(401);
    expect(verifier.verified.get(token, Date.now())).toBeUndefined();
    const res = await greet(token);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthenticated');
    // And a token from the new signing key works.
    expect((await greet(stack.auth0.signToken(claims()))).status).toBe(200);
  });

  it('a cookie session whose signing key left the JWKS gets a new token from a refresh, never uses the old one', async () => {
    const client = await signIn(stack, ADA);
    // Enough requests for the session's principal to be served from the caches.
    for (let i = 0; i < 3; i++) expect((await client.get('/api/me')).status).toBe(200);
    stack.auth0.rotateKeys({ retirePrevious: true });
    expect((await client.get('/api/me')).status).toBe(200);
    const tokenCalls = auth0Calls(stack, '/oauth/token');
    expect((await greet(unknownKidToken())).status).toBe(401);
    // The key set changed: the session's token is verified again, fails (its key is gone),
    // and the session refreshes to a token signed by the new key.
    const res = await client.get('/api/me');
    expect(res.status).toBe(200);
    expect(auth0Calls(stack, '/oauth/token')).toBe(tokenCalls + 1);
  });

  it('a forged token sharing a prefix with a cached one is refused', async () => {
    const token = stack.auth0.signToken(claims());
    expect((await greet(token)).status).toBe(200);
    expect((await greet(token)).status).toBe(200);
    expect(stack.app.get(TokenVerifier).verified.get(token, Date.now())).toBeDefined();
    const [h, p, s] = token.split('.') as [string, string, string];
    const flipped = s.slice(0, -2) + (s.endsWith('AA') ? 'BB' : 'AA');
    const forgeries = [
      `${h}.${p}.${flipped}`,
      `${h}.${p}.`,
      `${h}.${p}`,
      `${h}.${p}.${s}x`,
      `${h}.${b64({ ...claims(), sub: 'email|ffffffffffffffffffffffff' })}.${s}`,
    ];
    for (const forged of forgeries) {
      for (let i = 0; i < 2; i++) {
        // Twice: a refused token must not be remembered as anything.
        expect((await greet(forged)).status).toBe(401);
      }
    }
    expect((await greet(token)).status).toBe(200);
  });

  it('a token refused for its claims is refused every time (failures are never cached as success)', async () => {
    const token = stack.auth0.signToken(claims({ azp: 'another-app' }));
    for (let i = 0; i < 3; i++) expect((await greet(token)).status).toBe(401);
  });
});

describe('signing keys unreachable', () => {
  it('a token whose key cannot be fetched is 503 upstream_unavailable, not 401', async () => {
    const stack = await startStack();
    try {
      stack.auth0.setFaults({ status: 503, paths: ['/.well-known/jwks.json'] });
      const token = stack.auth0.signToken(accessClaims(stack));
      const res = await stack.client().get('/api/greeting', { authorization: `Bearer ${token}` });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('upstream_unavailable');
      expect(res.headers.get('retry-after')).toBe('5');
    } finally {
      await stack.stop();
    }
  });
});

describe('the verified-token cache is used', () => {
  it('a token verified once is answered from the cache afterwards (no second signature check)', async () => {
    const stack = await startStack();
    try {
      const verifier = stack.app.get(TokenVerifier);
      const token = stack.auth0.signToken(accessClaims(stack));
      const before = verifier.verified.size;
      const greet = () => stack.client().get('/api/greeting', { authorization: `Bearer ${token}` });
      // Seen once: verified, not stored (one-time tokens leave nothing behind).
      expect((await greet()).status).toBe(200);
      expect(verifier.verified.size).toBe(before);
      // Seen again: verified and stored; from then on answered from the cache.
      expect((await greet()).status).toBe(200);
      expect(verifier.verified.size).toBe(before + 1);
      expect(verifier.verified.get(token, Date.now())).toMatchObject({
        sub: stack.auth0.ensureUser(ADA),
      });
      expect((await greet()).status).toBe(200);
      expect(verifier.verified.size).toBe(before + 1);
      // A refused token is never stored.
      await stack
        .client()
        .get('/api/greeting', { authorization: `Bearer ${token.slice(0, -3)}AAA` });
      expect(verifier.verified.size).toBe(before + 1);
    } finally {
      await stack.stop();
    }
  });
});
