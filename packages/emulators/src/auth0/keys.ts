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
  return {
    kid,
    privateKey,
    publicKey,
    jwk: { kty: 'RSA', n: exported.n, e: exported.e, kid, alg: 'RS256', use: 'sig' },
  };
}

const b64json = (value: unknown) =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/**
 * Strict base64url: only the alphabet, no padding, and canonical (re-encoding gives the same
 * text), so no two spellings of one token both verify.
 */
function strictBase64url(part: string): Buffer | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : undefined;
}

function jsonObject(bytes: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The tenant's signing keys, as Auth0 keeps them: a current key that signs, a next key that is
 * already published in the JWKS (so verifiers that cached the JWKS know it before it signs
 * anything), and previous keys that stay published until revoked.
 * Source: https://auth0.com/docs/get-started/tenant-settings/signing-keys and
 * https://auth0.com/docs/get-started/tenant-settings/signing-keys/rotate-signing-keys
 * (rotation promotes the next key; the previous key stays until you revoke it).
 */
export class KeyRing {
  private previous: SigningKey[] = [];
  private current: SigningKey = newKey();
  private next: SigningKey = newKey();

  get currentKid(): string {
    return this.current.kid;
  }

  /**
   * Rotates: the next key starts signing and a new next key is published. With
   * `retirePrevious`, every key that signed before leaves the JWKS (Auth0's "revoke").
   */
  rotate(retirePrevious = false): { kid: string } {
    this.previous = retirePrevious ? [] : [...this.previous, this.current];
    this.current = this.next;
    this.next = newKey();
    return { kid: this.current.kid };
  }

  jwks(): { keys: PublicJwk[] } {
    return { keys: [this.current, this.next, ...this.previous].map((k) => ({ ...k.jwk })) };
  }

  /**
   * Verifies a compact JWS this ring signed: header `alg` RS256 and a `kid` still published in
   * the JWKS (a retired key's tokens fail, as they do for any verifier using the JWKS), and a
   * valid signature. Returns the payload, or undefined for anything else. Claims (`iss`, `aud`,
   * `exp`, ...) are the caller's to check.
   */
  verify(token: string): Record<string, unknown> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [h, p, s] = parts as [string, string, string];
    const headerBytes = strictBase64url(h);
    const payloadBytes = strictBase64url(p);
    const signature = strictBase64url(s);
    if (!headerBytes || !payloadBytes || !signature) return undefined;
    const header = jsonObject(headerBytes);
    if (header?.alg !== 'RS256' || typeof header.kid !== 'string') return undefined;
    const key = [this.current, this.next, ...this.previous].find((k) => k.kid === header.kid);
    if (!key) return undefined;
    if (!verify('sha256', Buffer.from(`${h}.${p}`), key.publicKey, signature)) return undefined;
    return jsonObject(payloadBytes);
  }

  /** `typ` is `at+jwt` for RFC 9068-profile access tokens (RFC 9068 §2.1). */
  sign(payload: Record<string, unknown>, typ = 'JWT'): string {
    const key = this.current;
    const input = `${b64json({ alg: 'RS256', typ, kid: key.kid })}.${b64json(payload)}`;
    const signature = sign('sha256', Buffer.from(input), key.privateKey).toString('base64url');
    return `${input}.${signature}`;
  }
}
