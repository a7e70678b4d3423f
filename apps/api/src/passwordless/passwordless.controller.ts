import { Body, Controller, HttpCode, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import {
  MeResponseSchema,
  StartRequestSchema,
  StartResponseSchema,
  verifyRequestSchema,
  type MeResponse,
  type StartResponse,
} from '@portcullis/shared';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DeviceCookie } from '../abuse/device-cookie.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { parseBody } from '../common/validation.js';
import { Public } from '../auth/public.decorator.js';
import { ApiContract } from '../ops/openapi.contract.js';
import { describeDevice } from '../session/device.js';
import { SessionCookie } from '../session/session-cookie.js';
import { ChallengeRequiredFilter } from './challenge-required.filter.js';
import { PasswordlessService } from './passwordless.service.js';

@Public()
@Controller('auth/passwordless')
export class PasswordlessController {
  /** The verify body for the tenant's code length (OTP_LENGTH): a wrong length never reaches Auth0. */
  private readonly verifyBody: ReturnType<typeof verifyRequestSchema>;

  constructor(
    private readonly passwordless: PasswordlessService,
    private readonly cookie: SessionCookie,
    private readonly deviceCookie: DeviceCookie,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.verifyBody = verifyRequestSchema(config.otp.length);
  }

  @Post('start')
  @HttpCode(202)
  @ApiContract({
    summary: 'Asks for a code by email; the same answer for every address.',
    body: StartRequestSchema,
    response: StartResponseSchema,
    errors: ['challenge_required', 'rate_limited', 'upstream_unavailable'],
  })
  @UseFilters(ChallengeRequiredFilter)
  start(@Body() body: unknown, @Req() req: FastifyRequest): Promise<StartResponse> {
    const { email, proof } = parseBody(StartRequestSchema, body);
    const trustedDevice = this.deviceCookie.trustedFor(req, email);
    return this.passwordless.start(email, { ip: req.ip, requestId: req.id, trustedDevice }, proof);
  }

  @Post('verify')
  @HttpCode(200)
  @ApiContract({
    summary: 'Exchanges the code for a session cookie.',
    body: ({ otpLength }) => verifyRequestSchema(otpLength),
    response: MeResponseSchema,
    errors: [
      'invalid_code',
      'code_expired',
      'too_many_attempts',
      'rate_limited',
      'access_denied',
      'upstream_unavailable',
    ],
  })
  async verify(
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MeResponse> {
    const { email, code } = parseBody(this.verifyBody, body);
    const trustedDevice = this.deviceCookie.trustedFor(req, email);
    const { me, session } = await this.passwordless.verify(email, code, {
      ip: req.ip,
      requestId: req.id,
      device: describeDevice(req.headers['user-agent']),
      trustedDevice,
    });
    this.cookie.write(reply, session.cookie, session.record.absoluteExpiresAt, this.clock.now());
    // Signed in: this browser is now trusted for this address (its own failure bucket).
    this.deviceCookie.write(reply, email, trustedDevice);
    void reply.header('cache-control', 'no-store');
    return me;
  }
}
