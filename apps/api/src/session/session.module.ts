import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Auth0Module } from '../auth0/auth0.module';
import { Clock } from '../common/clock';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { KeyRing } from './key-ring';
import { REDIS } from '../shared-state/shared-state.module';
import type { RedisConnection } from '../shared-state/redis-connection';
import { MemorySessionStore } from './memory-session-store';
import { RedisSessionStore } from './redis-session-store';
import { SessionCookie } from './session-cookie';
import { SessionStore } from './session-store';
import { SessionController } from './session.controller';
import { SessionService } from './session.service';
import { SessionsController } from './sessions.controller';

/**
 * Sessions for every module. The store is Redis with REDIS_URL, else in memory; tests may
 * hand in one (two apps sharing one in-memory store).
 */
@Global()
@Module({})
export class SessionModule {
  static forRoot(store?: SessionStore): DynamicModule {
    return {
      module: SessionModule,
      imports: [Auth0Module, EligibilityModule],
      controllers: [SessionController, SessionsController],
      providers: [
        {
          provide: KeyRing,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => new KeyRing(config.session.secrets),
        },
        store
          ? { provide: SessionStore, useValue: store }
          : {
              provide: SessionStore,
              inject: [Clock, REDIS],
              useFactory: (clock: Clock, redis: RedisConnection | null) =>
                redis ? new RedisSessionStore(redis, clock) : new MemorySessionStore(clock),
            },
        SessionCookie,
        SessionService,
      ],
      exports: [SessionService, SessionCookie, SessionStore],
    };
  }
}
