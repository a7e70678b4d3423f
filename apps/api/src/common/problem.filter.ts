import {
  Catch,
  Logger,
  NotFoundException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type {} from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { classify, sendProblem } from './problem.js';

/**
 * The one exception filter: every error becomes problem+json. Outside /api, a GET that
 * matched nothing gets the SPA's index.html (history fallback) when the SPA is served.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  constructor(private readonly spaFallback: boolean) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    if (
      this.spaFallback &&
      exception instanceof NotFoundException &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      !req.url.startsWith('/api/') &&
      req.url !== '/api' &&
      // Routes have no file extension; a missing file (or a refused .map) stays a 404.
      !/\.[A-Za-z0-9]+$/.test(req.url.split('?')[0]!)
    ) {
      void reply
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .sendFile('index.html');
      return;
    }
    const { body, unexpected } = classify(exception);
    if (unexpected) {
      this.logger.error({
        msg: 'unexpected error',
        reqId: req.id,
        error: exception instanceof Error ? exception.name : typeof exception,
        stack: exception instanceof Error ? exception.stack : undefined,
      });
    }
    sendProblem(reply, body);
  }
}
