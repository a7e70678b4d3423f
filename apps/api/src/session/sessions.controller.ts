import { Controller, Delete, Get, Header, HttpCode, Param, Req, Res } from '@nestjs/common';
import { SessionsResponseSchema, type SessionsResponse } from '@portcullis/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthUser } from '../auth/auth.types.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { DomainError } from '../common/domain-error.js';
import { ApiContract } from '../ops/openapi.contract.js';
import { SessionCookie } from './session-cookie.js';
import { SessionService } from './session.service.js';

/** Handles are 22 base64url characters; anything else cannot name a session. */
const HANDLE = /^[A-Za-z0-9_-]{22}$/;

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
  async list(@CurrentUser() user: AuthUser): Promise<SessionsResponse> {
    return { sessions: await this.sessions.list(user.id, user.session) };
  }

  /** Ends one of the caller's sessions. Someone else's id is answered like an unknown one. */
  @Delete(':id')
  @HttpCode(204)
  @ApiContract({
    summary: "Ends one of the caller's sessions (404 alike for unknown and someone else's).",
    errors: ['not_found'],
  })
  async endOne(
    @CurrentUser() user: AuthUser,
    @Param('id') handle: string,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    if (!HANDLE.test(handle)) throw new DomainError('not_found', 'There is no such session.');
    const ended = await this.sessions.endByHandle(user.id, handle, {
      ip: req.ip,
      requestId: req.id,
    });
    if (ended.id === user.session?.record.id) this.cookie.clear(reply);
  }

  /** Ends every session of the caller except the one making the request. */
  @Delete()
  @HttpCode(204)
  @ApiContract({ summary: 'Ends every session of the caller except the current one.' })
  async endOthers(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest): Promise<void> {
    await this.sessions.endOthers(user.id, user.session?.record.id, {
      ip: req.ip,
      requestId: req.id,
    });
  }
}
