import { Module, type DynamicModule } from '@nestjs/common';
import { AbuseModule } from './abuse/abuse.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import type { AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { DevMailboxModule } from './dev-mailbox/dev-mailbox.module.js';
import { GreetingModule } from './example/greeting.module.js';
import { HealthModule } from './health/health.module.js';
import { MeModule } from './me/me.module.js';
import { MetricsModule } from './ops/metrics.module.js';
import { OpenApiModule } from './ops/openapi.module.js';
import { PasswordlessModule } from './passwordless/passwordless.module.js';
import { SessionModule } from './session/session.module.js';
import { SharedStateModule } from './shared-state/shared-state.module.js';
import type { SessionStore } from './session/session-store.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: { sessionStore?: SessionStore } = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        MetricsModule,
        SharedStateModule.forRoot(config),
        AbuseModule,
        AuditModule,
        SessionModule.forRoot(options.sessionStore, { revocationWorker: true }),
        AuthModule,
        PasswordlessModule,
        MeModule,
        HealthModule,
        // The example of a guarded module (README): not part of the product in production.
        ...(config.env === 'production' ? [] : [GreetingModule]),
        DevMailboxModule.forRoot(config),
        OpenApiModule,
      ],
    };
  }
}
