import { Module } from '@nestjs/common';
import { Auth0Module } from '../auth0/auth0.module';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { DecoyCodes } from './decoy-codes';
import { PasswordlessController } from './passwordless.controller';
import { PasswordlessService } from './passwordless.service';

@Module({
  imports: [Auth0Module, EligibilityModule],
  controllers: [PasswordlessController],
  providers: [PasswordlessService, DecoyCodes],
  exports: [PasswordlessService],
})
export class PasswordlessModule {}
