import { Global, Module } from '@nestjs/common';
import { CounterStore, InMemoryCounterStore } from './counter-store';
import { FloodChallenge } from './flood-challenge';
import { GlobalStartGate, LimitsService } from './limits.service';

@Global()
@Module({
  providers: [
    { provide: CounterStore, useFactory: () => new InMemoryCounterStore() },
    // Past the global start limit: a proof-of-work challenge, not a lock-out.
    { provide: GlobalStartGate, useClass: FloodChallenge },
    LimitsService,
  ],
  exports: [CounterStore, LimitsService],
})
export class AbuseModule {}
