import { Module } from '@nestjs/common';
import { Auth0Module } from '../auth0/auth0.module';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { KeyRing } from './key-ring';
import { MemorySessionStore } from './memory-session-store';
import { SessionCookie } from './session-cookie';
import { SessionStore } from './session-store';
import { SessionController } from './session.controller';
import { SessionService } from './session.service';
import { SessionsController } from './sessions.controller';

@Module({
  imports: [Auth0Module, EligibilityModule],
  controllers: [SessionController, SessionsController],
  providers: [
    {
      provide: KeyRing,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new KeyRing(config.session.secrets),
    },
    {
      provide: SessionStore,
      inject: [Clock],
      useFactory: (clock: Clock) => new MemorySessionStore(clock),
    },
    SessionCookie,
    SessionService,
  ],
  exports: [SessionService, SessionCookie, SessionStore],
})
export class SessionModule {}
