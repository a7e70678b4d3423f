// The session cookie: `<id>.<mac>`, a random 128-bit session id and its 128-bit HMAC under the
// key ring (45 characters). HttpOnly, Secure, SameSite=Lax, Path=/, and the __Host- prefix in
// production (config.session.cookieName). The Cookie header is parsed by the `cookie`
// package; only a cookie whose name is exactly ours counts, and two of them are refused (a
// page on a sibling host or another port could plant one beside ours).
import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { parseCookie } from 'cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { KeyRing } from './key-ring.js';

const ID_BYTES = 16;
/** `<22 base64url>.<22 base64url>`; anything else is not ours and never reaches the key ring. */
const SHAPE = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}$/;

export type CookieValue =
  | { state: 'absent' }
  | { state: 'invalid' }
  /** `value` is the raw cookie; its MAC is not checked yet (see SessionCookie.verify). */
  | { state: 'present'; value: string };

const ABSENT: CookieValue = { state: 'absent' };
const INVALID: CookieValue = { state: 'invalid' };

@Injectable()
export class SessionCookie {
  readonly name: string;
  private readonly attributes: string;
  private readonly maxAgeSeconds: number;
  private readonly prefix: string;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly ring: KeyRing,
  ) {
    this.name = config.session.cookieName;
    this.prefix = `${this.name}=`;
    this.attributes = `Path=/; HttpOnly;${config.session.secure ? ' Secure;' : ''} SameSite=Lax`;
    this.maxAgeSeconds = config.session.absoluteSeconds;
  }

  /** The session cookie of a request, by its exact name. */
  read(req: FastifyRequest): CookieValue {
    const header = req.headers.cookie;
    if (!header || !header.includes(this.prefix)) return ABSENT;
    let count = 0;
    for (const pair of header.split(';')) if (pair.trimStart().startsWith(this.prefix)) count++;
    if (count === 0) return ABSENT;
    if (count > 1) return INVALID;
    const value = parseCookie(header)[this.name];
    if (value === undefined) return ABSENT;
    return SHAPE.test(value) ? { state: 'present', value } : INVALID;
  }

  /**
   * The session id of a well-shaped value whose MAC verifies under the ring, and whether it
   * should be re-issued (MACed by an older key); undefined for anything else.
   */
  verify(value: string): { id: string; reissue: boolean } | undefined {
    const id = value.slice(0, 22);
    const which = this.ring.verify(id, value.slice(23));
    return which ? { id, reissue: which === 'old' } : undefined;
  }

  /** A new session id and its cookie value. */
  issue(): { id: string; value: string } {
    const id = randomBytes(ID_BYTES).toString('base64url');
    return { id, value: this.valueFor(id) };
  }

  valueFor(id: string): string {
    return `${id}.${this.ring.sign(id)}`;
  }

  /** Sets the cookie. It lives as long as a session can; the server decides when it ends. */
  write(reply: FastifyReply, value: string, expiresAt: number, now: number): void {
    const maxAge = Math.max(0, Math.min(this.maxAgeSeconds, Math.ceil((expiresAt - now) / 1000)));
    void reply.header(
      'set-cookie',
      `${this.prefix}${value}; Max-Age=${maxAge}; ${this.attributes}`,
    );
  }

  clear(reply: FastifyReply): void {
    void reply.header(
      'set-cookie',
      `${this.prefix}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; ${this.attributes}`,
    );
  }
}
