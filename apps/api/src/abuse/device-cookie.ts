// The device cookie (OWASP, "Slow Down Online Guessing Attacks with Device Cookies",
// https://owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies): set on
// every successful sign-in, it lets that browser keep signing in to that address while
// strangers have the address locked. Its attempts count in their own failure bucket, never in
// the one strangers share (limits.service.ts).
//
// Value: `<nonce>.<mac>`, a random 128-bit nonce and a 128-bit HMAC binding it to the address
// (the address itself is not in the cookie). HttpOnly, Secure, SameSite=Lax, Path=/, and the
// __Host- prefix in production, like the session cookie. The MAC key is derived (HKDF) from
// each secret of the session key ring (SESSION_SECRETS), the way the ring derives its own
// keys: the current secret signs, every secret of the ring verifies, so rotating the ring
// does not forget the owner's browsers (until the old secret leaves it: a browser that has not
// signed in since, and so been written a cookie under the new one, is then a new browser). A browser holds one device cookie: signing in to
// another address there replaces it.
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { parseCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

const NONCE_BYTES = 16;
const MAC_BYTES = 16;
const SHAPE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/;
/** A year: the browser stays trusted across sessions (Chrome caps a cookie at 400 days). */
export const DEVICE_COOKIE_MAX_AGE_SECONDS = 365 * 86400;

@Injectable()
export class DeviceCookie {
  readonly name: string;
  private readonly prefix: string;
  private readonly attributes: string;
  private readonly keys: Buffer[];

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    // `portcullis-device`, `__Host-portcullis-device` in production.
    this.name = `${config.session.cookieName}-device`;
    this.prefix = `${this.name}=`;
    this.attributes = `Path=/; HttpOnly;${config.session.secure ? ' Secure;' : ''} SameSite=Lax`;
    this.keys = config.session.secrets.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, 'portcullis', 'device-cookie/v1 HMAC-SHA256', 32)),
    );
  }

  private mac(key: Buffer, nonce: string, email: string): Buffer {
    return createHmac('sha256', key).update(`${nonce}\n${email}`).digest().subarray(0, MAC_BYTES);
  }

  /**
   * The device id (the nonce) when the request carries exactly one well-shaped device cookie
   * whose MAC binds it to `email` under a key of the ring; undefined for anything else (no
   * cookie, another address's, forged, two of them): such a client is untrusted.
   */
  trustedFor(req: FastifyRequest, email: string): string | undefined {
    const header = req.headers.cookie;
    if (!header || !header.includes(this.prefix)) return undefined;
    let count = 0;
    for (const pair of header.split(';')) if (pair.trimStart().startsWith(this.prefix)) count++;
    if (count !== 1) return undefined;
    const value = parseCookie(header)[this.name];
    if (value === undefined || !SHAPE.test(value)) return undefined;
    const nonce = value.slice(0, 22);
    const given = Buffer.from(value.slice(23), 'base64url');
    if (given.length !== MAC_BYTES) return undefined;
    return this.keys.some((key) => timingSafeEqual(given, this.mac(key, nonce, email)))
      ? nonce
      : undefined;
  }

  /**
   * Sets the cookie after a successful sign-in to `email`: the browser's own nonce when it was
   * already trusted for this address (its bucket goes on), a new one otherwise.
   */
  write(reply: FastifyReply, email: string, trusted: string | undefined): string {
    const nonce = trusted ?? randomBytes(NONCE_BYTES).toString('base64url');
    const value = `${nonce}.${this.mac(this.keys[0]!, nonce, email).toString('base64url')}`;
    void reply.header(
      'set-cookie',
      `${this.prefix}${value}; Max-Age=${DEVICE_COOKIE_MAX_AGE_SECONDS}; ${this.attributes}`,
    );
    return nonce;
  }
}
