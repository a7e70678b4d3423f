import { Global, Module } from '@nestjs/common';
import { CounterStore, InMemoryCounterStore } from './counter-store';
import type { RedisConnection } from '../shared-state/redis-connection';
import { REDIS } from '../shared-state/shared-state.module';
import { FloodChallenge } from './flood-challenge';
import { RedisCounterStore } from './redis-counter-store';
import { GlobalStartGate, LimitsService } from './limits.service';

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
  ],
  exports: [CounterStore, LimitsService],
})
export class AbuseModule {}
