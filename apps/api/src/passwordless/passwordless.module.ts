import { Module } from '@nestjs/common';
import { Auth0Module } from '../auth0/auth0.module.js';
import { EligibilityModule } from '../eligibility/eligibility.module.js';
import { LatestCodes } from './latest-codes.js';
import { PasswordlessController } from './passwordless.controller.js';
import { PasswordlessService } from './passwordless.service.js';

@Module({
  imports: [Auth0Module, EligibilityModule],
  controllers: [PasswordlessController],
  providers: [PasswordlessService, LatestCodes],
  exports: [PasswordlessService],
})
export class PasswordlessModule {}
