import { Module } from '@nestjs/common';
import { EligibilityModule } from '../eligibility/eligibility.module.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';

@Module({
  imports: [EligibilityModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
