import { Module, type DynamicModule } from '@nestjs/common';
import { AbuseModule } from './abuse/abuse.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import type { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { DevMailboxModule } from './dev-mailbox/dev-mailbox.module';
import { GreetingModule } from './example/greeting.module';
import { HealthModule } from './health/health.module';
import { MeModule } from './me/me.module';
import { MetricsModule } from './ops/metrics.module';
import { OpenApiModule } from './ops/openapi.module';
import { PasswordlessModule } from './passwordless/passwordless.module';
import { SessionModule } from './session/session.module';
import { SharedStateModule } from './shared-state/shared-state.module';
import type { SessionStore } from './session/session-store';

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
        SessionModule.forRoot(options.sessionStore),
        AuthModule,
        PasswordlessModule,
        MeModule,
        HealthModule,
        GreetingModule,
        DevMailboxModule.forRoot(config),
        OpenApiModule,
      ],
    };
  }
}
