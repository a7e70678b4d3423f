// The session key ring (SESSION_SECRETS: comma-separated, the first one current). From each
// secret, HKDF derives two keys: one MACs session ids for the cookie, one encrypts the Auth0
// tokens a session record holds (AES-256-GCM). The current (first) secret signs and encrypts;
// every secret in the ring verifies and decrypts. Rotating is two rolling restarts and a
// third (docs/sessions.md): `old,new` on every instance (the new secret accepted, never
// used), then `new,old` (used, and every instance already accepts it), then `new` once what
// the old one sealed has been used or has expired. A value sealed by a secret this ring does
// not hold may open on another instance: callers refuse it without ending anything.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** Bytes of MAC kept in the cookie: 128 bits. */
const MAC_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** A key id inside a sealed value: 48 bits of an HMAC under the encryption key. */
const KEY_ID = /^[A-Za-z0-9_-]{8}$/;

interface RingKey {
  /** Names the key inside sealed values, so opening picks it without trying them all. */
  id: string;
  mac: Buffer;
  enc: Buffer;
}

const derive = (secret: string, info: string) =>
  Buffer.from(hkdfSync('sha256', secret, 'portcullis', info, 32));

export class KeyRing {
  private readonly keys: RingKey[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('the session key ring needs at least one secret');
    this.keys = secrets.map((secret) => {
      const enc = derive(secret, 'session-record/v1 A256GCM');
      return {
        id: createHmac('sha256', enc).update('key-id').digest('base64url').slice(0, 8),
        mac: derive(secret, 'session-cookie/v1 HMAC-SHA256'),
        enc,
      };
    });
  }

  private get current(): RingKey {
    return this.keys[0]!;
  }

  /** The MAC of a session id under the current key (base64url, 22 characters). */
  sign(id: string): string {
    return this.macWith(this.current, id);
  }

  /**
   * Which ring key MACed `id` as `mac`: 'current', 'old' (a rotated-out key still in the
   * ring: the caller re-issues the cookie), or undefined when none did.
   */
  verify(id: string, mac: string): 'current' | 'old' | undefined {
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== MAC_BYTES || given.toString('base64url') !== mac) return undefined;
    for (let i = 0; i < this.keys.length; i++) {
      const expected = Buffer.from(this.macWith(this.keys[i]!, id), 'base64url');
      if (timingSafeEqual(given, expected)) return i === 0 ? 'current' : 'old';
    }
    return undefined;
  }

  private macWith(key: RingKey, id: string): string {
    return createHmac('sha256', key.mac)
      .update(id)
      .digest()
      .subarray(0, MAC_BYTES)
      .toString('base64url');
  }

  /**
   * Encrypts `plaintext` under the current key, bound to `context` (the session id) as
   * additional data, so a sealed value moved to another record does not open.
   * Format: `<key id>.<iv>.<ciphertext>.<tag>`, base64url parts.
   */
  seal(plaintext: string, context: string): string {
    const key = this.current;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.enc, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [key.id, iv, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plaintext, or undefined when the value was not sealed by a key of the ring for `context`. */
  open(sealed: string, context: string): string | undefined {
    const [id, iv, body, tag, ...rest] = sealed.split('.');
    if (rest.length > 0 || !iv || body === undefined || !tag) return undefined;
    const key = this.keys.find((k) => k.id === id);
    if (!key) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key.enc, Buffer.from(iv, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /**
   * Which key sealed `sealed`: 'current', 'old' (another secret of the ring), 'unknown' (a
   * well-formed value naming a secret this ring does not hold: it may well open on another
   * instance, one that already or still holds that secret, so it is not this instance's to
   * throw away), or undefined for a value that is not sealed at all.
   */
  sealedBy(sealed: string): 'current' | 'old' | 'unknown' | undefined {
    const parts = sealed.split('.');
    if (parts.length !== 4 || !KEY_ID.test(parts[0]!)) return undefined;
    const index = this.keys.findIndex((k) => k.id === parts[0]);
    return index === 0 ? 'current' : index > 0 ? 'old' : 'unknown';
  }

  /** Whether `sealed` was sealed by the current key (else it should be re-sealed on next write). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${this.current.id}.`);
  }
}
