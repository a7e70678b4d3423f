// Sessions in Redis (or Valkey), shared by every API instance. Key layout, under KEY_PREFIX
// (`p`); a person's keys carry the hash tag `{u:<user id>}` so Redis Cluster keeps them on
// one slot and the scripts below touch one slot only:
//
//   p{u:<user>}:s:<id>       hash   the record; expires at min(idle, absolute) expiry
//   p{u:<user>}:sessions     zset   the person's session ids by creation time
//   p{u:<user>}:lock:<id>    string the refresh lock (a random token, PX)
//   p sid:<id>               string the person of a session id (the cookie names only the id)
//   p email:<address>        set    the people with that address (the operator command)
//   p sessions:ended         channel ids of ended sessions, for every instance's local cache
//
// Every change of a record is one script (atomic); the indexes outside the person's slot are
// written before the record on create (an index without a record is harmless and expires),
// and removed after it on delete.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Clock } from '../common/clock.js';
import type { RedisConnection } from '../shared-state/redis-connection.js';
import {
  SessionStore,
  type Release,
  type SessionChanges,
  type SessionRef,
} from './session-store.js';
import type { SessionRecord } from './session.types.js';

const FIELDS = [
  'handle',
  'user',
  'eligibility',
  'eligibilityCheckedAt',
  'tokens',
  'accessTokenExpiresAt',
  'createdAt',
  'lastSeenAt',
  'idleExpiresAt',
  'absoluteExpiresAt',
  'device',
] as const;
/** Fields kept as JSON (objects); the others are strings and numbers. */
const JSON_FIELDS = new Set(['user', 'eligibility']);
const NUMBER_FIELDS = new Set([
  'eligibilityCheckedAt',
  'accessTokenExpiresAt',
  'createdAt',
  'lastSeenAt',
  'idleExpiresAt',
  'absoluteExpiresAt',
]);

/**
 * KEYS: record, person's zset. ARGV: id, max per person, created at, record expiry, absolute
 * expiry, record key prefix of the person, then field/value pairs. Returns the evicted
 * records as [id, [field, value, …], …].
 */
const CREATE = `
redis.call('HSET', KEYS[1], unpack(ARGV, 7))
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
if redis.call('PTTL', KEYS[2]) < 0 then
  redis.call('PEXPIREAT', KEYS[2], ARGV[5])
else
  redis.call('PEXPIREAT', KEYS[2], ARGV[5], 'GT')
end
local live = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', ARGV[6] .. member) == 1 then
    table.insert(live, member)
  else
    redis.call('ZREM', KEYS[2], member)
  end
end
local evicted = {}
for i = 1, #live - tonumber(ARGV[2]) do
  local key = ARGV[6] .. live[i]
  table.insert(evicted, live[i])
  table.insert(evicted, redis.call('HGETALL', key))
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[2], live[i])
end
return evicted
`;

/** KEYS: record. ARGV: record expiry or '' (unchanged), then field/value pairs. */
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if ARGV[1] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return redis.call('HGETALL', KEYS[1])
`;

/** KEYS: record, person's zset. ARGV: id. Returns the record's fields, or false. */
const DELETE = `
local fields = redis.call('HGETALL', KEYS[1])
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
if #fields == 0 then return false end
return fields
`;

/** KEYS: lock. ARGV: token. Deletes the lock only if it is still ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Scripted = Redis & {
  sessionCreate(k1: string, k2: string, ...argv: Array<string | number>): Promise<unknown[]>;
  sessionUpdate(k1: string, ...argv: Array<string | number>): Promise<string[] | null>;
  sessionDelete(k1: string, k2: string, id: string): Promise<string[] | null>;
  sessionRelease(k1: string, token: string): Promise<number>;
};

export class RedisSessionStore extends SessionStore {
  readonly shared = true;
  private readonly redis: Scripted;
  private readonly p: string;
  private readonly channel: string;

  constructor(
    private readonly connection: RedisConnection,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    super();
    this.p = connection.keyPrefix;
    this.channel = `${this.p}sessions:ended`;
    const redis = connection.client;
    redis.defineCommand('sessionCreate', { numberOfKeys: 2, lua: CREATE });
    redis.defineCommand('sessionUpdate', { numberOfKeys: 1, lua: UPDATE });
    redis.defineCommand('sessionDelete', { numberOfKeys: 2, lua: DELETE });
    redis.defineCommand('sessionRelease', { numberOfKeys: 1, lua: RELEASE });
    this.redis = redis as Scripted;
  }

  private person(userId: string): string {
    return `${this.p}{u:${userId}}:`;
  }

  private recordKey(ref: SessionRef): string {
    return `${this.person(ref.user.id)}s:${ref.id}`;
  }

  async create(record: SessionRecord, maxPerUser: number): Promise<SessionRecord[]> {
    const person = this.person(record.user.id);
    const abs = record.absoluteExpiresAt;
    // Three keys in three slots: a pipeline, not a MULTI (Redis Cluster refuses cross-slot
    // transactions). Written before the record: an index without a record is harmless.
    await this.redis
      .pipeline()
      .set(`${this.p}sid:${record.id}`, record.user.id, 'PXAT', abs)
      .sadd(`${this.p}email:${record.user.email}`, record.user.id)
      .pexpireat(`${this.p}email:${record.user.email}`, abs)
      .exec()
      .then(failed);
    const evicted = await this.redis.sessionCreate(
      `${person}s:${record.id}`,
      `${person}sessions`,
      record.id,
      maxPerUser,
      record.createdAt,
      Math.min(record.idleExpiresAt, abs),
      abs,
      `${person}s:`,
      ...toFields(record),
    );
    const out: SessionRecord[] = [];
    for (let i = 0; i < evicted.length; i += 2) {
      const parsed = fromFields(String(evicted[i]), evicted[i + 1] as string[]);
      if (parsed) out.push(parsed);
    }
    if (out.length > 0) await this.announce(out.map((r) => r.id));
    return out;
  }

  async get(id: string): Promise<SessionRecord | undefined> {
    const userId = await this.redis.get(`${this.p}sid:${id}`);
    if (!userId) return undefined;
    const fields = await this.redis.hgetall(`${this.person(userId)}s:${id}`);
    return this.live(fromFields(id, flatten(fields)));
  }

  async update(ref: SessionRef, changes: SessionChanges): Promise<SessionRecord | undefined> {
    const pairs = toFields(changes);
    if (pairs.length === 0) return this.get(ref.id);
    let expireAt: number | '' = '';
    if (changes.idleExpiresAt !== undefined) {
      // The record's own absolute expiry caps it; the caller already applied the cap.
      expireAt = changes.idleExpiresAt;
    }
    const fields = await this.redis.sessionUpdate(this.recordKey(ref), expireAt, ...pairs);
    return fields ? this.live(fromFields(ref.id, fields)) : undefined;
  }

  async delete(ref: SessionRef): Promise<SessionRecord | undefined> {
    const fields = await this.redis.sessionDelete(
      this.recordKey(ref),
      `${this.person(ref.user.id)}sessions`,
      ref.id,
    );
    await this.redis.del(`${this.p}sid:${ref.id}`);
    // Announced even when it was already gone here: another instance may still cache it.
    await this.announce([ref.id]);
    return fields ? this.live(fromFields(ref.id, fields)) : undefined;
  }

  async lock(ref: SessionRef, ttlMs: number): Promise<Release | undefined> {
    const key = `${this.person(ref.user.id)}lock:${ref.id}`;
    const token = randomBytes(16).toString('base64url');
    const taken = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    if (taken !== 'OK') return undefined;
    return async () => {
      await this.redis.sessionRelease(key, token);
    };
  }

  async listByUser(userId: string): Promise<SessionRecord[]> {
    const person = this.person(userId);
    const ids = await this.redis.zrevrange(`${person}sessions`, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(`${person}s:${id}`);
    const answers = (await pipeline.exec()) ?? [];
    const out: SessionRecord[] = [];
    ids.forEach((id, i) => {
      const [err, fields] = answers[i] ?? [new Error('no answer'), null];
      if (err) throw err;
      const record = this.live(fromFields(id, flatten(fields as Record<string, string>)));
      if (record) out.push(record);
    });
    return out;
  }

  async listByEmail(email: string): Promise<SessionRecord[]> {
    const userIds = await this.redis.smembers(`${this.p}email:${email}`);
    const lists = await Promise.all(userIds.map((u) => this.listByUser(u)));
    return lists
      .flat()
      .filter((r) => r.user.email === email)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  override onEnded(listener: (ids: string[]) => void): void {
    const sub = this.connection.subscriber;
    sub.on('message', (channel: string, message: string) => {
      if (channel === this.channel) listener(message.split(',').filter(Boolean));
    });
    void sub.subscribe(this.channel).catch(() => {
      // Retried by ioredis on reconnect; until then the staleness bound is the backstop.
    });
  }

  private async announce(ids: string[]): Promise<void> {
    await this.redis.publish(this.channel, ids.join(','));
  }

  private live(record: SessionRecord | undefined): SessionRecord | undefined {
    if (!record) return undefined;
    const now = this.clock.now();
    return now < record.idleExpiresAt && now < record.absoluteExpiresAt ? record : undefined;
  }
}

/** exec() of a pipeline: any failed command fails the whole call. */
function failed(results: Array<[Error | null, unknown]> | null): void {
  if (!results) throw new Error('redis pipeline aborted');
  for (const [err] of results) if (err) throw err;
}

function toFields(values: Partial<SessionRecord>): string[] {
  const out: string[] = [];
  for (const name of FIELDS) {
    const value = values[name];
    if (value === undefined) continue;
    out.push(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
  return out;
}

function flatten(hash: Record<string, string>): string[] {
  return Object.entries(hash).flat();
}

function fromFields(id: string, flat: string[]): SessionRecord | undefined {
  if (!Array.isArray(flat) || flat.length === 0) return undefined;
  const raw: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) raw[String(flat[i])] = String(flat[i + 1]);
  const out: Record<string, unknown> = { id };
  for (const name of FIELDS) {
    const value = raw[name];
    if (value === undefined) return undefined;
    out[name] = JSON_FIELDS.has(name)
      ? JSON.parse(value)
      : NUMBER_FIELDS.has(name)
        ? Number(value)
        : value;
  }
  return out as unknown as SessionRecord;
}
