// Signing keys and RS256 JWTs for the Auth0 emulator, with node:crypto only (jose is a dev
// dependency). Auth0 signs tokens with RS256 and names the key in the `kid` header; the public
// keys are served as a JWKS at /.well-known/jwks.json.
// Source: https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-sets
//         https://auth0.com/docs/get-started/tenant-settings/signing-keys/rotate-signing-keys
import { generateKeyPairSync, randomBytes, sign, verify, type KeyObject } from 'node:crypto';

export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const exported = publicKey.export({ format: 'jwk' });
  if (typeof exported.n !== 'string' || typeof exported.e !== 'string') {
    throw new Error('RSA public key export lacks n/e');
  }
  const kid = randomBytes(16).toString('base64url');
  return { kid, privateKey, publicKey, jwk: { kty: 'RSA', n: exported.n, e: exported.e, kid, alg: 'RS256', use: 'sig' } };
}

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * The tenant's signing keys. The newest key signs; older keys stay published (so tokens they
 * signed still verify) until retired, as after an Auth0 key rotation followed by revocation
 * of the previous key.
 */
export class KeyRing {
  private keys: SigningKey[] = [newKey()];

  get current(): SigningKey {
    return this.keys[this.keys.length - 1]!;
  }

  /** Generates a new signing key; with `retirePrevious`, every older key leaves the JWKS. */
  rotate(retirePrevious = false): { kid: string } {
    const key = newKey();
    this.keys = retirePrevious ? [key] : [...this.keys, key];
    return { kid: key.kid };
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: this.keys.map((k) => ({ ...k.jwk })) };
  }

  sign(payload: Record<string, unknown>): string {
    const key = this.current;
    const input = `${b64json({ alg: 'RS256', typ: 'JWT', kid: key.kid })}.${b64json(payload)}`;
    const signature = sign('sha256', Buffer.from(input), key.privateKey).toString('base64url');
    return `${input}.${signature}`;
  }

  /**
   * Verifies a JWT this ring signed with a key still published; returns its payload or
   * undefined. Used by /userinfo. Expiry and audience are the caller's business.
   */
  verify(token: string): Record<string, unknown> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { alg?: unknown; kid?: unknown };
      if (header.alg !== 'RS256') return undefined;
      const key = this.keys.find((k) => k.kid === header.kid);
      if (!key) return undefined;
      if (!verify('sha256', Buffer.from(`${h}.${p}`), key.publicKey, Buffer.from(s, 'base64url'))) return undefined;
      const payload: unknown = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
      return typeof payload === 'object' && payload !== null && !Array.isArray(payload)
        ? (payload as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
}
