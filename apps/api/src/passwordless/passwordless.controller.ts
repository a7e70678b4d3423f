import { Body, Controller, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  StartRequestSchema,
  VerifyRequestSchema,
  type MeResponse,
  type StartResponse,
} from '@portcullis/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Clock } from '../common/clock';
import { parseBody } from '../common/validation';
import { Public } from '../auth/public.decorator';
import { describeDevice } from '../session/device';
import { SessionCookie } from '../session/session-cookie';
import { ChallengeRequiredFilter } from './challenge-required.filter';
import { PasswordlessService } from './passwordless.service';

@Public()
@Controller('auth/passwordless')
export class PasswordlessController {
  constructor(
    private readonly passwordless: PasswordlessService,
    private readonly cookie: SessionCookie,
    private readonly clock: Clock,
  ) {}

  @Post('start')
  @HttpCode(202)
  @UseFilters(ChallengeRequiredFilter)
  start(@Body() body: unknown, @Req() req: FastifyRequest): Promise<StartResponse> {
    const { email, proof } = parseBody(StartRequestSchema, body);
    return this.passwordless.start(email, { ip: req.ip, requestId: req.id }, proof);
  }

  @Post('verify')
  @HttpCode(200)
  async verify(
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MeResponse> {
    const { email, code } = parseBody(VerifyRequestSchema, body);
    const { me, session } = await this.passwordless.verify(email, code, {
      ip: req.ip,
      requestId: req.id,
      device: describeDevice(req.headers['user-agent']),
    });
    this.cookie.write(reply, session.cookie, session.record.absoluteExpiresAt, this.clock.now());
    void reply.header('cache-control', 'no-store');
    return me;
  }
}
