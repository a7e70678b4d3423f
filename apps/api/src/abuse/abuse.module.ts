import { Global, Module } from '@nestjs/common';
import { CounterStore, InMemoryCounterStore } from './counter-store.js';
import { DeviceCookie } from './device-cookie.js';
import type { RedisConnection } from '../shared-state/redis-connection.js';
import { REDIS } from '../shared-state/shared-state.module.js';
import { FloodChallenge } from './flood-challenge.js';
import { RedisCounterStore } from './redis-counter-store.js';
import { GlobalStartGate, LimitsService } from './limits.service.js';

@Global()
@Module({
  providers: [
    // With REDIS_URL every instance counts in one place; otherwise this process counts.
    {
      provide: CounterStore,
      inject: [REDIS],
      useFactory: (redis: RedisConnection | null) =>
        redis ? new RedisCounterStore(redis) : new InMemoryCounterStore(),
    },
    // Past the global start limit: a proof-of-work challenge, not a lock-out.
    { provide: GlobalStartGate, useClass: FloodChallenge },
    LimitsService,
    DeviceCookie,
  ],
  exports: [CounterStore, LimitsService, DeviceCookie],
})
export class AbuseModule {}
