// Encrypts the session cookie: compact JWE, `dir` + `A256GCM`, with a key derived from
// SESSION_SECRET by HKDF. Tokens inside never reach JavaScript, logs or URLs; any tampering
// makes decryption fail and the cookie is treated as absent.
import { hkdfSync } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CompactEncrypt, compactDecrypt } from 'jose';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { SessionData } from './session.types';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_COOKIE_CHARS = 8192;

export function deriveSessionKey(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', secret, 'portcullis', 'session-cookie/v1 A256GCM', 32));
}

function isSessionData(v: unknown): v is SessionData {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Partial<SessionData>;
  return (
    s.v === 1 &&
    typeof s.sid === 'string' &&
    typeof s.at === 'string' &&
    (s.rt === undefined || typeof s.rt === 'string') &&
    typeof s.user === 'object' &&
    s.user !== null &&
    typeof s.user.id === 'string' &&
    typeof s.user.email === 'string' &&
    typeof s.elig === 'object' &&
    s.elig !== null &&
    typeof s.elig.recordId === 'string' &&
    typeof s.iat === 'number' &&
    typeof s.exp === 'number' &&
    typeof s.abs === 'number'
  );
}

@Injectable()
export class SessionCipher {
  private readonly key: Uint8Array;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.key = deriveSessionKey(config.session.secret);
  }

  async seal(session: SessionData): Promise<string> {
    return new CompactEncrypt(encoder.encode(JSON.stringify(session)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(this.key);
  }

  /** The session, or null when the value is not one we sealed (tampered, old key, garbage). */
  async open(value: string): Promise<SessionData | null> {
    if (value.length > MAX_COOKIE_CHARS || value.split('.').length !== 5) return null;
    try {
      const { plaintext } = await compactDecrypt(value, this.key, {
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
      });
      const parsed: unknown = JSON.parse(decoder.decode(plaintext));
      return isSessionData(parsed) ? parsed : null;
    } catch {
      return null;
    }
  }
}
