// GET /api/metrics: Prometheus text, for the operator's scraper only. It has its own bearer
// token (METRICS_TOKEN), so the session guard lets it through (@Public) and it checks the
// token itself, in constant time. Without METRICS_TOKEN the route answers 404 like any
// unknown path.
import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Header, Headers, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { DomainError } from '../common/domain-error.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { ApiContract } from './openapi.contract.js';
import { MetricsService } from './metrics.service.js';

/** Compared as SHA-256 digests: equal length, so timingSafeEqual leaks no length either. */
const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

@Public()
@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | undefined;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.expected = config.metricsToken ? digest(config.metricsToken) : undefined;
  }

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
    if (!this.expected) throw new DomainError('not_found', 'Not found.');
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]!), this.expected)) {
      void reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new DomainError('unauthenticated', 'A valid metrics token is required.');
    }
    void reply.header('content-type', this.metrics.contentType);
    return this.metrics.text();
  }
}
