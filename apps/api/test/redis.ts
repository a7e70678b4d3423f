// A real redis-server for the tests that need one: started on a free loopback port without
// persistence, stopped (or killed and restarted, for fault tests) by the test, through the
// shared starter in `@portcullis/emulators/testing`. Where redis-server is not installed the
// Redis suites are skipped with one loud line; with REQUIRE_REDIS=1 (CI sets it) a missing
// server fails instead.
import { findRedisServer, startRedis as startShared } from '@portcullis/emulators/testing';

export type { RedisServer } from '@portcullis/emulators/testing';

const binary = findRedisServer();

export const redisAvailable = binary !== undefined;

if (!redisAvailable) {
  const line =
    'redis-server is not installed: the Redis test suites are SKIPPED. ' +
    'Install it (Debian: apt-get install redis-server) to run them.';
  if (process.env.REQUIRE_REDIS === '1')
    throw new Error(`${line} REQUIRE_REDIS=1 makes this a failure.`);
  console.warn(`\n!!! ${line}\n`);
}

/** `describe` when redis-server exists; otherwise the suite is reported skipped. */
export const describeWithRedis: jest.Describe = redisAvailable ? describe : describe.skip;

/** A fresh redis-server on a free loopback port (see RedisServer in the shared starter). */
export const startRedis = () => startShared({ binary });
