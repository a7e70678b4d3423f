// Log-safe stand-ins for personal data: emails are never logged in clear, only as a keyed
// hash (HMAC with a key derived from a secret of SESSION_SECRETS), so the same person
// correlates across log lines without a dictionary of addresses revealing who they are.
//
// The hash is a lookup key (an operator follows a person through the audit trail by it), and
// a keyed hash cannot stay the same when its key rotates. So it is looked up under every key:
// `hash` is the one under the current secret (`emailHash`), and while the ring holds more
// than one secret, `hashes` gives one per secret in ring order (`emailHashes`). Every line
// written during a rotation of SESSION_SECRETS carries both the old secret's hash and the
// new one's, which links a person's lines from before the rotation to those after it.
import { createHmac, hkdfSync } from 'node:crypto';

export class EmailHasher {
  private readonly keys: Buffer[];

  /** `secrets`: the key ring (first one current), or one secret. */
  constructor(secrets: string | readonly string[]) {
    const ring = typeof secrets === 'string' ? [secrets] : secrets;
    if (ring.length === 0) throw new Error('the email hasher needs at least one secret');
    this.keys = ring.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, 'portcullis', 'log-email-hash/v1', 32)),
    );
  }

  /** The address's hash under the current secret. */
  hash(email: string): string {
    return this.under(this.keys[0]!, email);
  }

  /** One hash per secret of the ring, current first; undefined with a ring of one. */
  hashes(email: string): string[] | undefined {
    return this.keys.length > 1 ? this.keys.map((key) => this.under(key, email)) : undefined;
  }

  private under(key: Buffer, email: string): string {
    return createHmac('sha256', key).update(email).digest('base64url').slice(0, 16);
  }
}
