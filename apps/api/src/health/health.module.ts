import { Module } from '@nestjs/common';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({
  imports: [EligibilityModule],
  controllers: [HealthController],
  providers: [HealthService],
})
export class HealthModule {}
