// Auth0's signing keys follow Auth0's JWKS: a retired key stops working within a bounded
// time even when every request is answered from the verified-token cache, and junk kids
// cannot hold up a real key rotation for more than a few seconds (issue 16).
import { generateKeyPairSync, sign as rsaSign } from 'node:crypto';
import { KEY_STORE_DEFAULTS } from '../src/auth/jwks-key-store.js';
import { TokenVerifier } from '../src/auth/token-verifier.js';
import { accessClaims, auth0Calls, startStack, type Stack } from './harness.js';

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const JWKS = '/.well-known/jwks.json';

describe('signing keys follow the JWKS', () => {
  let stack: Stack;

  beforeEach(async () => {
    // Only the key set may decide here: other per-subject checks stay out of the way when
    // the API's clock moves.
    stack = await startStack({ ELIGIBILITY_RECHECK_SECONDS: '86400' });
  });

  afterEach(async () => {
    await stack.stop();
  });

  const greet = (token: string) =>
    stack.client().get('/api/greeting', { authorization: `Bearer ${token}` });

  // Long-lived, so the verified-token cache keeps it however far the API's clock moves.
  const token = () =>
    stack.auth0.signToken(accessClaims(stack, { exp: Math.floor(Date.now() / 1000) + 3600 }));

  function junkKidToken(): string {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: `junk-${Math.random()}` })}.${b64(accessClaims(stack))}`;
    return `${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
  }

  it('a cached Bearer token whose key Auth0 retired is refused once the key set is due, with no other traffic', async () => {
    const cached = token();
    expect((await greet(cached)).status).toBe(200);
    expect((await greet(cached)).status).toBe(200);
    const verifier = stack.app.get(TokenVerifier);
    expect(verifier.verified.get(cached, Date.now())).toBeDefined();
    stack.auth0.rotateKeys({ retirePrevious: true });
    const fetches = auth0Calls(stack, JWKS);
    // Before the set is due, the cache still answers (the API cannot know yet).
    expect((await greet(cached)).status).toBe(200);
    // The key set's age passes its bound; only the cached token keeps arriving.
    stack.setApiClockOffset(KEY_STORE_DEFAULTS.maxAgeMs + 1000);
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status === 200) {
      if (Date.now() > deadline) throw new Error('the retired key still verifies');
      await new Promise((r) => setTimeout(r, 50));
      status = (await greet(cached)).status;
    }
    expect(status).toBe(401);
    expect(auth0Calls(stack, JWKS)).toBeGreaterThan(fetches);
    expect(verifier.verified.get(cached, Date.now())).toBeUndefined();
    // A token from the new key works.
    expect((await greet(token())).status).toBe(200);
  });

  it('a burst of junk kids delays a rotated key by a few seconds at most, never refuses it', async () => {
    expect((await greet(token())).status).toBe(200);
    const before = auth0Calls(stack, JWKS);
    const junk = Array.from({ length: 20 }, () => greet(junkKidToken()));
    // Auth0 rotates its key while the junk is arriving; a real token follows.
    stack.auth0.rotateKeys();
    const started = Date.now();
    const rotated = await greet(token());
    expect(rotated.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(KEY_STORE_DEFAULTS.unknownKidRefillMs + 1000);
    for (const res of await Promise.all(junk)) expect(res.status).toBe(401);
    // Twenty junk kids cost Auth0 a few fetches, not twenty.
    expect(auth0Calls(stack, JWKS) - before).toBeLessThanOrEqual(
      KEY_STORE_DEFAULTS.unknownKidBurst + 1,
    );
  });
});
