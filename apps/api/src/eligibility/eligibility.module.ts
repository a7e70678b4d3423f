import { Module } from '@nestjs/common';
import { EligibilityService } from './eligibility.service';
import { EligibilityRepository } from './eligibility.types';
import { SalesforceRepository } from './salesforce.repository';

@Module({
  providers: [
    EligibilityService,
    { provide: EligibilityRepository, useClass: SalesforceRepository },
  ],
  exports: [EligibilityService, EligibilityRepository],
})
export class EligibilityModule {}
