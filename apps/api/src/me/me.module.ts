import { Module } from '@nestjs/common';
import { Auth0Module } from '../auth0/auth0.module';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { MeController } from './me.controller';
import { MeService } from './me.service';

@Module({
  imports: [Auth0Module, EligibilityModule],
  controllers: [MeController],
  providers: [MeService],
})
export class MeModule {}
