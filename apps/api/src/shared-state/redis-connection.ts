// The Redis connection of this process (REDIS_URL; Redis 7 or Valkey). ioredis rather than
// node-redis: it reconnects with a backoff of our choosing out of the box, speaks `rediss://`
// and passwords from the URL, has a Cluster client with the same API, and — the deciding
// point — with `enableOfflineQueue: false` a command issued while disconnected fails at once
// instead of waiting in a queue, so a request answers 503 instead of hanging.
//
// One command connection and one subscriber connection (a subscribed connection can do
// nothing else) per process. Unreachable at boot is not fatal: readiness says 503, requests
// that need Redis answer 503, and the client keeps reconnecting.
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * How long one command may take before its caller is told it failed (a 503). A command that
 * Redis has not answered by then may still reach it later (a stalled server reads its socket
 * buffer when it resumes): security writes are fenced against that (redis-session-store.ts).
 */
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

/** Reconnect after 100 ms, 200 ms, … up to 2 s between attempts, forever. */
const backoff = (attempt: number) => Math.min(attempt * 100, 2_000);

export class RedisConnection {
  readonly client: Redis;
  readonly subscriber: Redis;
  readonly keyPrefix: string;
  private readonly logger = new Logger('Redis');
  private up = false;

  constructor(url: string, keyPrefix: string) {
    this.keyPrefix = keyPrefix;
    const options = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
      // Commands in flight when the connection dropped are not sent again after the
      // reconnect: their callers were already answered 503, and a logout or a refresh that
      // was reported failed must not happen later behind their back.
      autoResendUnfulfilledCommands: false,
      retryStrategy: backoff,
      lazyConnect: false,
    };
    this.client = new Redis(url, { ...options, connectionName: 'portcullis' });
    // The subscriber re-subscribes by itself after a reconnect; it must queue its SUBSCRIBE.
    this.subscriber = new Redis(url, {
      ...options,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
      autoResendUnfulfilledCommands: true,
      connectionName: 'portcullis-sub',
    });
    const where = safeUrl(url);
    this.client.on('ready', () => {
      if (!this.up) this.logger.log({ msg: 'redis connected', url: where });
      this.up = true;
    });
    this.client.on('error', (err: Error) => {
      // Once per outage, not once per reconnect attempt.
      if (this.up || !this.warned) {
        this.logger.error({
          msg: 'redis unreachable; shared state answers 503 until it is back',
          url: where,
          error: err.message,
        });
        this.warned = true;
      }
      this.up = false;
    });
    this.subscriber.on('error', () => {
      // Reported by the command connection; the subscriber reconnects on its own.
    });
  }

  private warned = false;

  /** Whether the command connection is ready now. */
  get connected(): boolean {
    return this.client.status === 'ready';
  }

  /** Resolves once connected; rejects after `ms` (the client goes on trying). */
  async whenReady(ms: number): Promise<void> {
    if (this.connected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        reject(new Error(`Redis not reachable within ${ms} ms`));
      }, ms);
      const onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      this.client.once('ready', onReady);
    });
  }

  async ping(): Promise<void> {
    const answer: string = await this.client.ping();
    if (answer !== 'PONG') throw new Error('redis did not answer PONG');
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.client.quit(), this.subscriber.quit()]);
    this.client.disconnect();
    this.subscriber.disconnect();
  }
}

/** The URL without its password, for logs. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis';
  }
}
