import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { DevMailboxController } from './dev-mailbox.controller.js';
import { EmulatorOutbox } from './emulator-outbox.js';

/**
 * The local mailbox page, in embedded mode only: with a real Auth0 tenant (and therefore in
 * production, which refuses the emulators) the module registers nothing and the route is 404.
 */
@Module({})
export class DevMailboxModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.embedded.auth0) return { module: DevMailboxModule };
    return {
      module: DevMailboxModule,
      controllers: [DevMailboxController],
      providers: [EmulatorOutbox],
    };
  }
}
