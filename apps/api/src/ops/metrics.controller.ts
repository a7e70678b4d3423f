// GET /api/metrics: Prometheus text, for the operator's scraper only. It has its own bearer
// token (METRICS_TOKEN), so the session guard lets it through (@Public) and it checks the
// token itself, in constant time. Without METRICS_TOKEN the route answers 404 like any
// unknown path.
import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { DomainError } from '../common/domain-error.js';
import { ApiContract } from './openapi.contract.js';
import { MetricsService } from './metrics.service.js';
import { OperatorToken } from './operator-token.js';

@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly token: OperatorToken,
    private readonly metrics: MetricsService,
  ) {}

  @Get()
  @ApiContract({
    summary:
      "Prometheus metrics (text format) for the operator's scraper; 404 without METRICS_TOKEN.",
    responseType: 'text/plain',
    security: [{ metricsToken: [] }],
    errors: ['not_found', 'unauthenticated'],
  })
  @Header('Cache-Control', 'no-store')
  async scrape(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    if (!this.token.configured) throw new DomainError('not_found', 'Not found.');
    if (!this.token.matches(authorization)) {
      void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new DomainError('unauthenticated', 'A valid metrics token is required.');
    }
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.text();
  }
}
