// Log-safe stand-ins for personal data: emails are never logged in clear, only as a keyed
// hash (HMAC with a key derived from the current secret of SESSION_SECRETS), so the same person correlates across
// log lines without a dictionary of addresses revealing who they are.
import { createHmac, hkdfSync } from 'node:crypto';

export class EmailHasher {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'portcullis', 'log-email-hash/v1', 32));
  }

  hash(email: string): string {
    return createHmac('sha256', this.key).update(email).digest('base64url').slice(0, 16);
  }
}
