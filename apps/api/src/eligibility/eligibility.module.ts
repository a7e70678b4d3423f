import { Module } from '@nestjs/common';
import { EligibilityService } from './eligibility.service.js';
import { EligibilityRepository } from './eligibility.types.js';
import { SalesforceRepository } from './salesforce.repository.js';

@Module({
  providers: [
    EligibilityService,
    { provide: EligibilityRepository, useClass: SalesforceRepository },
  ],
  exports: [EligibilityService, EligibilityRepository],
})
export class EligibilityModule {}
