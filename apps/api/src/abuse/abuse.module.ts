import { Global, Module } from '@nestjs/common';
import { CounterStore, InMemoryCounterStore } from './counter-store';
import { LimitsService } from './limits.service';

@Global()
@Module({
  providers: [
    { provide: CounterStore, useFactory: () => new InMemoryCounterStore() },
    LimitsService,
  ],
  exports: [CounterStore, LimitsService],
})
export class AbuseModule {}
