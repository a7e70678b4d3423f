import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Auth0Module } from '../auth0/auth0.module.js';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { EligibilityModule } from '../eligibility/eligibility.module.js';
import { KeyRing } from './key-ring.js';
import { LiveSessions } from './live-sessions.js';
import { REDIS } from '../shared-state/shared-state.module.js';
import type { RedisConnection } from '../shared-state/redis-connection.js';
import { MemorySessionStore } from './memory-session-store.js';
import { RedisSessionStore } from './redis-session-store.js';
import { SessionCookie } from './session-cookie.js';
import { SessionEnding } from './session-ending.js';
import { SessionRefresh } from './session-refresh.js';
import { REVOCATION_WORKER, RevocationQueue } from './revocation-queue.js';
import { SessionStore } from './session-store.js';
import { SessionController } from './session.controller.js';
import { SessionService } from './session.service.js';
import { SessionsController } from './sessions.controller.js';

/**
 * Sessions for every module. The store is Redis with REDIS_URL, else in memory; tests may
 * hand in one (two apps sharing one in-memory store). With `revocationWorker` (the API, not
 * the operator command) this process also retries the queued refresh-token revocations.
 */
@Global()
@Module({})
export class SessionModule {
  static forRoot(
    store?: SessionStore,
    { revocationWorker = false }: { revocationWorker?: boolean } = {},
  ): DynamicModule {
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
        LiveSessions,
        { provide: REVOCATION_WORKER, useValue: revocationWorker },
        RevocationQueue,
        SessionEnding,
        SessionRefresh,
        SessionService,
      ],
      exports: [SessionService, SessionCookie, SessionStore, RevocationQueue],
    };
  }
}
