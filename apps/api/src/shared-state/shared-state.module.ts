import {
  Global,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  Inject,
} from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { RedisConnection } from './redis-connection';

/** The Redis connection, or null when REDIS_URL is not set (state stays in the process). */
export const REDIS = Symbol('REDIS');

@Global()
@Module({})
export class SharedStateModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisConnection | null) {}

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: SharedStateModule,
      providers: [
        {
          provide: REDIS,
          useFactory: () =>
            config.redis ? new RedisConnection(config.redis.url, config.redis.keyPrefix) : null,
        },
      ],
      exports: [REDIS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close();
  }
}
