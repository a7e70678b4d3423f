import { Global, Module, type DynamicModule } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { EmailHasher } from '../common/redact.js';
import { APP_CONFIG, type AppConfig } from './config.js';

/** Provides the validated configuration, the clock and the email hasher everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        Clock,
        { provide: EmailHasher, useValue: new EmailHasher(config.session.secrets) },
      ],
      exports: [APP_CONFIG, Clock, EmailHasher],
    };
  }
}
