// The limits' store in Redis, shared by every instance: each operation is one atomic step
// (a Lua script or a single command), so a budget reserved on one instance is seen by all,
// and 40 concurrent wrong codes spread over several instances still reach Auth0 at most as
// often as the budget allows. Expiry is Redis's own (PX, relative, and Redis's TIME inside
// the scripts), so instances and Redis need not agree on the time; a key whose count goes
// back to zero keeps its window.
//
// Per-address state is one hash per address, `<prefix>limit:a:<digest of the address>`: each counter a
// field `count:expiresAtMs` (its own window, in Redis's time), the latest code a field
// `code` = `number:attempts:issuedAtMs:state`. The hash has one TTL, always set in the same
// script that writes it and never shorter than its longest-lived field, so no key is ever
// left without a TTL. A few short fields keep the hash listpack-encoded (Redis's compact
// form), about 200 B per flooded address all included (measured: docs, Redis memory).
import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { DomainError } from '../common/domain-error.js';
import type { RedisConnection } from '../shared-state/redis-connection.js';
import {
  CounterStore,
  type CodeGuess,
  type CodeVerdict,
  type Counter,
  type CounterKey,
} from './counter-store.js';

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

/** Shared by the per-address scripts: Redis's time, a field counter, the hash's TTL. */
const FIELDS = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- The hash lives at least as long as its longest-lived field.
local function outlive(key, ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, math.max(1, ms)) end
end
-- A live counter field: count, expiry (Redis ms); nil when missing or past its window.
local function counter(key, field, now)
  local v = redis.call('HGET', key, field)
  if not v then return nil end
  local count, at = string.match(v, '^(%d+):(%d+)$')
  count, at = tonumber(count), tonumber(at)
  if at <= now then return nil end
  return count, at
end
-- The latest code: number, attempts, issued at (Redis ms), state; nil when none.
local function code(key)
  local v = redis.call('HGET', key, 'code')
  if not v then return nil end
  local n, a, t, s = string.match(v, '^(%d+):(%d+):(%d+):(%d)$')
  return tonumber(n), tonumber(a), tonumber(t), tonumber(s)
end
local function put_code(key, n, a, t, s)
  redis.call('HSET', key, 'code', string.format('%d:%d:%d:%d', n, a, t, s))
end
`;

/** KEYS: hash. ARGV: field, by, ttl ms. Returns [count, ms left]. */
const FIELD_INCREMENT = `${FIELDS}
local now = now_ms()
local count, at = counter(KEYS[1], ARGV[1], now)
if not count then count, at = 0, now + tonumber(ARGV[3]) end
count = count + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d:%d', count, at))
outlive(KEYS[1], at - now)
return {count, at - now}
`;

/** KEYS: hash. ARGV: field. Takes one off a live counter, never below zero or creating it. */
const FIELD_DECREMENT = `${FIELDS}
local count, at = counter(KEYS[1], ARGV[1], now_ms())
if count and count > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], string.format('%d:%d', count - 1, at))
end
return 0
`;

/** KEYS: hash. ARGV: field. Returns [count, ms left] or nil. */
const FIELD_GET = `${FIELDS}
local now = now_ms()
local count, at = counter(KEYS[1], ARGV[1], now)
if not count then return nil end
return {count, at - now}
`;

/** KEYS: hash. ARGV: field, value, ttl ms. */
const FIELD_SET = `${FIELDS}
local now = now_ms()
local ttl = tonumber(ARGV[3])
redis.call('HSET', KEYS[1], ARGV[1], string.format('%d:%d', tonumber(ARGV[2]), now + ttl))
outlive(KEYS[1], ttl)
return 0
`;

/** KEYS: hash. ARGV: retention ms. A new latest code (one write for every address). */
const CODE_ISSUE = `${FIELDS}
local now = now_ms()
local n = code(KEYS[1]) or 0
put_code(KEYS[1], n + 1, 0, now, 0)
outlive(KEYS[1], tonumber(ARGV[1]))
return n + 1
`;

/** KEYS: hash. ARGV: number. Confirms that code's send; 1 when it is still the latest. */
const CODE_CONFIRM = `${FIELDS}
local n, a, t, s = code(KEYS[1])
if n ~= tonumber(ARGV[1]) then return 0 end
if s == 0 then put_code(KEYS[1], n, a, t, 1) end
return 1
`;

/** KEYS: hash. ARGV: retention ms. The latest code's number, or nil. */
const CODE_LATEST = `${FIELDS}
local n, a, t = code(KEYS[1])
if not n or now_ms() - t >= tonumber(ARGV[1]) then return nil end
return n
`;

/**
 * KEYS: hash. ARGV: right (0/1), lifetime ms, max attempts, retention ms. The verdict, in
 * the order of decideGuess (counter-store.ts), the in-memory store's.
 */
const CODE_GUESS = `${FIELDS}
local now = now_ms()
local right, lifetime, max, retention =
  ARGV[1] == '1', tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local n, a, t, s = code(KEYS[1])
if not n or s == 2 or now - t >= retention then return 'none' end
if a >= max then return 'dead' end
if now >= t + lifetime then return 'expired' end
if right and s == 1 then
  put_code(KEYS[1], n, a, t, 2)
  return 'right'
end
put_code(KEYS[1], n, a + 1, t, s)
if a + 1 >= max then return 'dead' end
return 'wrong'
`;

type Scripted = Redis & {
  counterIncrement(key: string, by: number, ttlMs: number): Promise<[number, number]>;
  counterDecrement(key: string): Promise<number>;
  fieldIncrement(key: string, field: string, by: number, ttlMs: number): Promise<[number, number]>;
  fieldDecrement(key: string, field: string): Promise<number>;
  fieldGet(key: string, field: string): Promise<[number, number] | null>;
  fieldSet(key: string, field: string, value: number, ttlMs: number): Promise<number>;
  codeIssue(key: string, retentionMs: number): Promise<number>;
  codeConfirm(key: string, number: number): Promise<number>;
  codeLatest(key: string, retentionMs: number): Promise<number | null>;
  codeGuess(
    key: string,
    right: number,
    lifetimeMs: number,
    maxAttempts: number,
    retentionMs: number,
  ): Promise<CodeVerdict>;
};

const SCRIPTS = {
  counterIncrement: INCREMENT,
  counterDecrement: DECREMENT,
  fieldIncrement: FIELD_INCREMENT,
  fieldDecrement: FIELD_DECREMENT,
  fieldGet: FIELD_GET,
  fieldSet: FIELD_SET,
  codeIssue: CODE_ISSUE,
  codeConfirm: CODE_CONFIRM,
  codeLatest: CODE_LATEST,
  codeGuess: CODE_GUESS,
};

const ms = (value: number) => Math.max(1, Math.round(value));

/**
 * The key of an address's hash: a digest of the address, not the address, so every key has
 * the same short length whatever the address (a flood of 254-character addresses costs what
 * one of short ones does) and Redis holds no address in clear. 96 bits: no two addresses
 * share a hash in practice (a collision takes about 2^48 tries, a chosen one 2^96).
 */
export const addressHashKey = (prefix: string, address: string): string =>
  `${prefix}a:${createHash('sha256').update(address).digest('base64url').slice(0, 16)}`;

export class RedisCounterStore extends CounterStore {
  private readonly redis: Scripted;
  private readonly prefix: string;
  private readonly logger = new Logger('Limits');

  constructor(connection: RedisConnection) {
    super();
    this.prefix = `${connection.keyPrefix}limit:`;
    const redis = connection.client;
    for (const [name, lua] of Object.entries(SCRIPTS))
      redis.defineCommand(name, { numberOfKeys: 1, lua });
    this.redis = redis as Scripted;
  }

  /** The address's one hash. */
  private hash(address: string): string {
    return addressHashKey(this.prefix, address);
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

  increment(key: CounterKey, ttlMs: number, now: number, by = 1): Promise<Counter> {
    return this.call(async () => {
      const [count, left] =
        typeof key === 'string'
          ? await this.redis.counterIncrement(this.prefix + key, by, ms(ttlMs))
          : await this.redis.fieldIncrement(this.hash(key.address), key.field, by, ms(ttlMs));
      return { count, expiresAt: now + left };
    });
  }

  decrement(key: CounterKey): Promise<void> {
    return this.call(async () => {
      if (typeof key === 'string') await this.redis.counterDecrement(this.prefix + key);
      else await this.redis.fieldDecrement(this.hash(key.address), key.field);
    });
  }

  get(key: CounterKey, now: number): Promise<Counter | null> {
    return this.call(async () => {
      if (typeof key === 'string') return this.read(key, now);
      const found = await this.redis.fieldGet(this.hash(key.address), key.field);
      return found ? { count: found[0], expiresAt: now + found[1] } : null;
    });
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

  set(key: CounterKey, value: number, ttlMs: number): Promise<void> {
    return this.call(async () => {
      if (typeof key === 'string')
        await this.redis.set(this.prefix + key, String(value), 'PX', ms(ttlMs));
      else await this.redis.fieldSet(this.hash(key.address), key.field, value, ms(ttlMs));
    });
  }

  delete(key: CounterKey): Promise<void> {
    return this.call(async () => {
      if (typeof key === 'string') await this.redis.del(this.prefix + key);
      else await this.redis.hdel(this.hash(key.address), key.field);
    });
  }

  issueCode(address: string, retentionMs: number): Promise<number> {
    return this.call(() => this.redis.codeIssue(this.hash(address), ms(retentionMs)));
  }

  confirmCode(address: string, number: number): Promise<boolean> {
    return this.call(async () => (await this.redis.codeConfirm(this.hash(address), number)) === 1);
  }

  latestCode(address: string, retentionMs: number): Promise<number | null> {
    return this.call(() => this.redis.codeLatest(this.hash(address), ms(retentionMs)));
  }

  guessCode(address: string, guess: CodeGuess): Promise<CodeVerdict> {
    return this.call(() =>
      this.redis.codeGuess(
        this.hash(address),
        guess.right ? 1 : 0,
        ms(guess.lifetimeMs),
        guess.maxAttempts,
        ms(guess.retentionMs),
      ),
    );
  }
}
