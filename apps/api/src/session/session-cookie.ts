// Reading and writing the session cookie: HttpOnly, Secure, SameSite=Lax, Path=/, and the
// __Host- prefix in production (config.session.cookieName).
import { Inject, Injectable } from '@nestjs/common';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { SessionCipher } from './session-cipher';
import type { SessionData } from './session.types';

const MAX_OPENED = 10_000;

export type CookieRead =
  { state: 'absent' } | { state: 'invalid' } | { state: 'ok'; session: SessionData };

@Injectable()
export class SessionCookie {
  readonly name: string;
  private readonly secure: boolean;
  private readonly opened = new Map<string, SessionData>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly cipher: SessionCipher,
  ) {
    this.name = config.session.cookieName;
    this.secure = config.session.secure;
  }

  raw(req: FastifyRequest): string | undefined {
    const value = req.cookies?.[this.name];
    return value ? value : undefined;
  }

  async read(req: FastifyRequest): Promise<CookieRead> {
    const raw = this.raw(req);
    if (!raw) return { state: 'absent' };
    const cached = this.opened.get(raw);
    if (cached) return { state: 'ok', session: cached };
    const session = await this.cipher.open(raw);
    if (!session) return { state: 'invalid' };
    // Decrypted cookies are remembered (bounded; the oldest go first), so a session's
    // every request does not pay for AES-GCM and JSON parsing. Only what decrypted is kept.
    if (this.opened.size >= MAX_OPENED) this.opened.delete(this.opened.keys().next().value!);
    this.opened.set(raw, session);
    return { state: 'ok', session };
  }

  async write(reply: FastifyReply, session: SessionData, now: number): Promise<void> {
    this.writeSealed(reply, await this.cipher.seal(session), session.exp, now);
  }

  writeSealed(reply: FastifyReply, sealed: string, expiresAt: number, now: number): void {
    void reply.setCookie(this.name, sealed, {
      httpOnly: true,
      secure: this.secure,
      sameSite: 'lax',
      path: '/',
      maxAge: Math.max(0, Math.floor((expiresAt - now) / 1000)),
    });
  }

  clear(reply: FastifyReply): void {
    void reply.clearCookie(this.name, {
      httpOnly: true,
      secure: this.secure,
      sameSite: 'lax',
      path: '/',
    });
  }
}
