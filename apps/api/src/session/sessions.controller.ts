import { Controller, Delete, Get, Header, HttpCode, Param, Req, Res } from '@nestjs/common';
import { SessionsResponseSchema, type SessionsResponse } from '@portcullis/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator.js';
import type { PersonPrincipal } from '../auth/principal.js';
import { RecentSignIn } from '../auth/route-rules.js';
import { DomainError } from '../common/domain-error.js';
import { ApiContract } from '../ops/openapi.contract.js';
import { SessionCookie } from './session-cookie.js';
import { SessionService } from './session.service.js';

/** Handles are 22 base64url characters; anything else cannot name a session. */
const HANDLE = /^[A-Za-z0-9_-]{22}$/;

/**
 * Signing out of every other session needs a sign-in this recent: a copied cookie must not
 * be able to lock its owner out of their own account.
 */
export const END_OTHERS_SIGN_IN_MINUTES = 10;

/** The signed-in person's sessions: see them, end one, end all the others. */
@Controller('sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly cookie: SessionCookie,
  ) {}

  @Get()
  @ApiContract({
    summary: "The signed-in person's sessions, newest first.",
    response: SessionsResponseSchema,
  })
  @Header('Cache-Control', 'no-store')
  async list(@CurrentPrincipal() person: PersonPrincipal): Promise<SessionsResponse> {
    return { sessions: await this.sessions.list(person.id, person.session) };
  }

  /** Ends one of the caller's sessions. Someone else's id is answered like an unknown one. */
  @Delete(':id')
  @HttpCode(204)
  @ApiContract({
    summary: "Ends one of the caller's sessions (404 alike for unknown and someone else's).",
    errors: ['not_found'],
  })
  async endOne(
    @CurrentPrincipal() person: PersonPrincipal,
    @Param('id') handle: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    if (!HANDLE.test(handle)) throw new DomainError('not_found', 'There is no such session.');
    const ended = await this.sessions.endByHandle(person.id, handle, {
      ip: req.ip,
      requestId: req.id,
    });
    if (ended.handle === person.session?.id) this.cookie.clear(reply);
  }

  /** Ends every session of the caller except the one making the request. */
  @Delete()
  @HttpCode(204)
  @RecentSignIn(END_OTHERS_SIGN_IN_MINUTES)
  @ApiContract({
    summary: `Ends every session of the caller except the current one (needs a sign-in within ${END_OTHERS_SIGN_IN_MINUTES} minutes).`,
  })
  async endOthers(
    @CurrentPrincipal() person: PersonPrincipal,
    @Req() req: FastifyRequest,
  ): Promise<void> {
    await this.sessions.endOthers(person.id, person.session?.id, {
      ip: req.ip,
      requestId: req.id,
    });
  }
}
