// Reading and writing the session cookie: HttpOnly, Secure, SameSite=Lax, Path=/, and the
// __Host- prefix in production (config.session.cookieName). Done by hand rather than with
// @fastify/cookie, whose hooks parse every cookie of every request and run on every reply:
// here only the one cookie is looked up, and only on routes that need it.
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LongKeyCache } from '../common/bounded-cache';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { SessionCipher } from './session-cipher';
import type { SessionData } from './session.types';

const MAX_OPENED = 10_000;
/** A sealed session is compact JWE: base64url parts joined by dots. Nothing else is ours. */
const SEALED = /^[A-Za-z0-9_.-]+$/;

export type CookieRead =
  { state: 'absent' } | { state: 'invalid' } | { state: 'ok'; session: SessionData };

const ABSENT: CookieRead = { state: 'absent' };

/** The value of cookie `name` in a Cookie header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let from = 0;
  for (;;) {
    const at = header.indexOf(name, from);
    if (at < 0) return undefined;
    const boundary = at === 0 || header[at - 1] === ' ' || header[at - 1] === ';';
    if (boundary && header[at + name.length] === '=') {
      const start = at + name.length + 1;
      const end = header.indexOf(';', start);
      const value = (end < 0 ? header.slice(start) : header.slice(start, end)).trim();
      return value || undefined;
    }
    from = at + name.length;
  }
}

@Injectable()
export class SessionCookie {
  readonly name: string;
  private readonly attributes: string;
  private readonly opened = new LongKeyCache<SessionData>(MAX_OPENED);

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly cipher: SessionCipher,
  ) {
    this.name = config.session.cookieName;
    this.attributes = `Path=/; HttpOnly;${config.session.secure ? ' Secure;' : ''} SameSite=Lax`;
  }

  raw(req: FastifyRequest): string | undefined {
    return cookieValue(req.headers.cookie, this.name);
  }

  /**
   * The cookie's state when it can be told without decrypting (no cookie, or one decrypted
   * before); undefined when `read` has to decrypt it.
   */
  readCached(req: FastifyRequest): CookieRead | undefined {
    const raw = this.raw(req);
    if (!raw) return ABSENT;
    const cached = this.opened.get(raw);
    return cached ? { state: 'ok', session: cached } : undefined;
  }

  async read(req: FastifyRequest): Promise<CookieRead> {
    const raw = this.raw(req);
    if (!raw) return { state: 'absent' };
    const cached = this.opened.get(raw);
    if (cached) return { state: 'ok', session: cached };
    if (!SEALED.test(raw)) return { state: 'invalid' };
    const session = await this.cipher.open(raw);
    if (!session) return { state: 'invalid' };
    // Decrypted cookies are remembered (bounded), so a session's every request does not pay
    // for AES-GCM and JSON parsing. Only what decrypted is kept.
    this.opened.set(raw, session);
    return { state: 'ok', session };
  }

  async write(reply: FastifyReply, session: SessionData, now: number): Promise<void> {
    this.writeSealed(reply, await this.cipher.seal(session), session.exp, now);
  }

  writeSealed(reply: FastifyReply, sealed: string, expiresAt: number, now: number): void {
    const maxAge = Math.max(0, Math.floor((expiresAt - now) / 1000));
    void reply.header(
      'set-cookie',
      `${this.name}=${sealed}; Max-Age=${maxAge}; ${this.attributes}`,
    );
  }

  clear(reply: FastifyReply): void {
    void reply.header(
      'set-cookie',
      `${this.name}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; ${this.attributes}`,
    );
  }
}
