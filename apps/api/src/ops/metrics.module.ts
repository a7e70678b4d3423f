import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { OperatorToken } from './operator-token.js';

/**
 * Global: the services that count (passwordless, session, the upstream adapters) inject
 * MetricsService; readiness uses OperatorToken for its usage numbers.
 */
@Global()
@Module({
  controllers: [MetricsController],
  providers: [MetricsService, OperatorToken],
  exports: [MetricsService, OperatorToken],
})
export class MetricsModule {}
