import {
  Global,
  Inject,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { RedisConnection } from './redis-connection.js';

const BOOT_WAIT_MS = 3_000;

/** The Redis connection, or null when REDIS_URL is not set (state stays in the process). */
export const REDIS = Symbol('REDIS');

@Global()
@Module({})
export class SharedStateModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: RedisConnection | null) {}

  /**
   * Gives Redis a moment to connect before the API listens, so the first requests do not
   * meet a connection still being set up; if it is not there by then, the API starts anyway
   * (readiness says 503, and the client keeps trying).
   */
  async onModuleInit(): Promise<void> {
    await this.redis?.whenReady(BOOT_WAIT_MS).catch(() => {
      new Logger('Redis').error({
        msg: `redis not reachable within ${BOOT_WAIT_MS} ms of boot; starting without it`,
      });
    });
  }

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
