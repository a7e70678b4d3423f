import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { MeResponse } from '@portcullis/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../common/clock';
import { DomainError } from '../common/domain-error';
import { Public } from './public.decorator';
import { SessionCookie } from './session-cookie';
import { SessionService } from './session.service';

/**
 * Refresh and logout work from the cookie alone, so they are @Public(): refresh exists
 * precisely for when the access token has expired, and logout must never fail.
 */
@Public()
@Controller('auth')
export class SessionController {
  constructor(
    private readonly sessions: SessionService,
    private readonly cookie: SessionCookie,
    private readonly clock: Clock,
  ) {}

  @Post('refresh')
  @HttpCode(200)
  async refresh(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MeResponse> {
    void reply.header('cache-control', 'no-store');
    const read = await this.cookie.read(req);
    if (read.state !== 'ok') {
      if (read.state === 'invalid') this.cookie.clear(reply);
      throw new DomainError('session_expired', 'There is no session to refresh. Sign in again.');
    }
    try {
      const { session, sealed } = await this.sessions.refresh(read.session, {
        ip: req.ip,
        requestId: req.id,
      });
      this.cookie.writeSealed(reply, sealed, session.exp, this.clock.now());
      return this.sessions.me(session);
    } catch (err) {
      // A session that can never be refreshed again is removed from the browser; a
      // temporary upstream failure keeps it, so a retry can succeed.
      if (
        err instanceof DomainError &&
        (err.code === 'session_expired' || err.code === 'not_eligible')
      ) {
        this.cookie.clear(reply);
      }
      throw err;
    }
  }

  @Post('logout')
  @HttpCode(204)
  async logout(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const read = await this.cookie.read(req);
    this.cookie.clear(reply);
    void reply.header('cache-control', 'no-store');
    await this.sessions.end(read.state === 'ok' ? read.session : undefined, {
      ip: req.ip,
      requestId: req.id,
    });
  }
}
