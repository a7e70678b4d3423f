import { Controller, Get, Header, Headers, HttpStatus, Res } from '@nestjs/common';
import { HealthResponseSchema, LiveResponseSchema, type HealthResponse } from '@portcullis/shared';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { ApiContract } from '../ops/openapi.contract.js';
import { OperatorToken } from '../ops/operator-token.js';
import { HealthService } from './health.service.js';

@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly token: OperatorToken,
  ) {}

  /** Liveness: the process answers. Never touches a dependency. */
  @Get('live')
  @ApiContract({ summary: 'Liveness.', response: LiveResponseSchema })
  @Header('Cache-Control', 'no-store')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: 200 when Auth0's JWKS and Salesforce answer, else 503 with what is down. The
   * Salesforce API usage (numbers and the sentence about them) only with METRICS_TOKEN.
   */
  @Get('ready')
  @ApiContract({
    summary:
      "Readiness, per dependency; Salesforce's API usage only with `Authorization: Bearer <METRICS_TOKEN>`.",
    response: HealthResponseSchema,
    otherResponses: { 503: { description: 'A dependency is down.', schema: HealthResponseSchema } },
  })
  @Header('Cache-Control', 'no-store')
  async ready(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthResponse> {
    const result = await this.health.ready({ usage: this.token.matches(authorization) });
    if (result.status !== 'ok')
      void reply.status(HttpStatus.SERVICE_UNAVAILABLE).header('retry-after', '5');
    return result;
  }
}
