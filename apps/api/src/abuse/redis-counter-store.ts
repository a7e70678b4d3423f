// The limits' store in Redis, shared by every instance: each operation is one atomic step
// (a Lua script or a single command), so a budget reserved on one instance is seen by all,
// and 40 concurrent wrong codes spread over several instances still reach Auth0 at most as
// often as the budget allows. Expiry is Redis's own (PX, relative), so instances and Redis
// need not agree on the time; a key whose count goes back to zero keeps its window.
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DomainError } from '../common/domain-error.js';
import type { RedisConnection } from '../shared-state/redis-connection.js';
import { CounterStore, type Counter } from './counter-store.js';

/** KEYS: counter. ARGV: by, ttl ms. Returns [count, ms left]. */
const INCREMENT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  left = tonumber(ARGV[2])
end
return {count, left}
`;

/** KEYS: counter. Takes one off a live counter, never below zero, never creating it. */
const DECREMENT = `
local count = tonumber(redis.call('GET', KEYS[1]))
if count and count > 0 then redis.call('DECR', KEYS[1]) end
return 0
`;

type Scripted = Redis & {
  counterIncrement(key: string, by: number, ttlMs: number): Promise<[number, number]>;
  counterDecrement(key: string): Promise<number>;
};

export class RedisCounterStore extends CounterStore {
  private readonly redis: Scripted;
  private readonly prefix: string;
  private readonly logger = new Logger('Limits');

  constructor(connection: RedisConnection) {
    super();
    this.prefix = `${connection.keyPrefix}limit:`;
    const redis = connection.client;
    redis.defineCommand('counterIncrement', { numberOfKeys: 1, lua: INCREMENT });
    redis.defineCommand('counterDecrement', { numberOfKeys: 1, lua: DECREMENT });
    this.redis = redis as Scripted;
  }

  /**
   * Redis unreachable: a 503 for the request (a limit that cannot be checked is not
   * waived, and the work it guards does not run), never a 500.
   */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      this.logger.error({
        msg: 'limits store unavailable',
        error: err instanceof Error ? err.message : String(err),
      });
      throw new DomainError(
        'upstream_unavailable',
        'Sign-in is temporarily unavailable. Try again shortly.',
        { retryAfterSeconds: 5 },
      );
    }
  }

  increment(key: string, ttlMs: number, now: number, by = 1): Promise<Counter> {
    return this.call(async () => {
      const [count, left] = await this.redis.counterIncrement(this.prefix + key, by, ttlMs);
      return { count, expiresAt: now + left };
    });
  }

  decrement(key: string): Promise<void> {
    return this.call(async () => {
      await this.redis.counterDecrement(this.prefix + key);
    });
  }

  get(key: string, now: number): Promise<Counter | null> {
    return this.call(() => this.read(key, now));
  }

  private async read(key: string, now: number): Promise<Counter | null> {
    const answers = await this.redis
      .pipeline()
      .get(this.prefix + key)
      .pttl(this.prefix + key)
      .exec();
    const [[getErr, value] = [null, null], [ttlErr, left] = [null, -2]] = answers ?? [];
    if (getErr) throw getErr;
    if (ttlErr) throw ttlErr;
    if (value === null || typeof left !== 'number' || left === -2) return null;
    return { count: Number(value), expiresAt: left < 0 ? Number.MAX_SAFE_INTEGER : now + left };
  }

  set(key: string, value: number, ttlMs: number): Promise<void> {
    return this.call(async () => {
      await this.redis.set(this.prefix + key, String(value), 'PX', Math.max(1, Math.round(ttlMs)));
    });
  }

  delete(key: string): Promise<void> {
    return this.call(async () => {
      await this.redis.del(this.prefix + key);
    });
  }
}
