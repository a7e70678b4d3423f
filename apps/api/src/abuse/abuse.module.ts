import { Global, Module } from '@nestjs/common';
import { CounterStore, InMemoryCounterStore } from './counter-store';
import { GlobalStartGate, LimitsService, RefusingGlobalStartGate } from './limits.service';

@Global()
@Module({
  providers: [
    { provide: CounterStore, useFactory: () => new InMemoryCounterStore() },
    { provide: GlobalStartGate, useClass: RefusingGlobalStartGate },
    LimitsService,
  ],
  exports: [CounterStore, LimitsService],
})
export class AbuseModule {}
