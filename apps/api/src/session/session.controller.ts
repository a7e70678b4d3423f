import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { MeResponseSchema, type MeResponse } from '@portcullis/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { ApiContract } from '../ops/openapi.contract.js';
import { keepsCookie } from './live-sessions.js';
import { SessionCookie } from './session-cookie.js';
import { SessionService } from './session.service.js';

/**
 * Refresh and logout work from the cookie alone, so they are @Public(): logout must never
 * fail, and refresh answers for the session whatever state its access token is in.
 */
@Public()
@Controller('auth')
export class SessionController {
  constructor(
    private readonly sessions: SessionService,
    private readonly cookie: SessionCookie,
    private readonly clock: Clock,
  ) {}

  /** Forces a token refresh and an eligibility re-check. The SPA never needs it. */
  @Post('refresh')
  @HttpCode(200)
  @ApiContract({
    summary: 'Forces a token refresh and an eligibility re-check (the SPA never needs it).',
    response: MeResponseSchema,
    errors: ['session_expired', 'not_eligible', 'access_denied', 'upstream_unavailable'],
  })
  async refresh(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MeResponse> {
    void reply.header('cache-control', 'no-store');
    const read = this.cookie.read(req);
    if (read.state !== 'present') {
      if (read.state === 'invalid') this.cookie.clear(reply);
      throw new DomainError('session_expired', 'There is no session to refresh. Sign in again.');
    }
    const meta = { ip: req.ip, requestId: req.id };
    const since = this.clock.now();
    try {
      const live = await this.sessions.authenticate(read.value, () => meta);
      // Concurrent forced refreshes of one session share one upstream refresh.
      const refreshed = await this.sessions.refresh(live, meta, since);
      // A cookie MACed by a secret that has since rotated out of first place: the current one.
      if (refreshed.cookie !== read.value)
        this.cookie.write(
          reply,
          refreshed.cookie,
          refreshed.record.absoluteExpiresAt,
          this.clock.now(),
        );
      return this.sessions.me(refreshed);
    } catch (err) {
      // A session that can never be used again is removed from the browser; a temporary
      // upstream failure keeps it, so a retry can succeed, and so does a cookie or record
      // made under a secret this instance does not hold (another instance may hold it).
      if (err instanceof DomainError && err.code !== 'upstream_unavailable') {
        if (!keepsCookie(err)) this.cookie.clear(reply);
        if (err.code === 'unauthenticated')
          throw new DomainError(
            'session_expired',
            'There is no session to refresh. Sign in again.',
          );
      }
      throw err;
    }
  }

  /** Ends the session on the server (everywhere, at once) and clears the cookie. */
  @Post('logout')
  @HttpCode(204)
  @ApiContract({
    summary: 'Ends the session on the server and clears the cookie; never fails for a missing one.',
    errors: ['upstream_unavailable'],
  })
  async logout(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    void reply.header('cache-control', 'no-store');
    const read = this.cookie.read(req);
    // If the store cannot be reached this is a 503 and the cookie stays: the session was
    // not ended, and saying otherwise would leave a copied cookie working.
    if (read.state === 'present')
      await this.sessions.endByCookie(read.value, { ip: req.ip, requestId: req.id });
    this.cookie.clear(reply);
  }
}
