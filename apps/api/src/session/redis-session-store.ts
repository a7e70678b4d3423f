// Sessions in Redis (or Valkey), shared by every API instance. Key layout, under KEY_PREFIX
// (`p`); a person's keys carry the hash tag `{u:<user id>}` so Redis Cluster keeps them on
// one slot and the scripts below touch one slot only:
//
//   p{u:<user>}:s:<id>       hash   the record; expires at min(idle, absolute) expiry
//   p{u:<user>}:sessions     zset   the person's session ids by creation time
//   p{u:<user>}:lock:<id>    string the refresh lock (a random token, PX)
//   p{u:<user>}:fence:<n>    string a security write's fence (PX FENCE_MS; see fenced())
//   p{u:<user>}:revocations  hash   session id → a refresh token waiting for Auth0 (JSON)
//   p revocations:due        zset   <session id><user id> by when to (re)try its revocation,
//                                   in Redis's own clock (TIME), so instances' clocks need not agree
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
import {
  REDIS_COMMAND_TIMEOUT_MS,
  type RedisConnection,
} from '../shared-state/redis-connection.js';
import {
  SessionStore,
  type Deleted,
  type PendingRevocation,
  type Release,
  type RevokeMode,
  type SessionChanges,
  type SessionRef,
  type SwapResult,
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
 * expiry, record key prefix of the person, then field/value pairs. Returns the oldest live
 * records past the cap as [id, [field, value, …], …], left in place: the caller ends them
 * through delete (which queues their revocation), not this script.
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
local over = {}
for i = 1, #live - tonumber(ARGV[2]) do
  table.insert(over, live[i])
  table.insert(over, redis.call('HGETALL', ARGV[6] .. live[i]))
end
return over
`;

/** KEYS: record. ARGV: record expiry or '' (unchanged), then field/value pairs. */
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
if ARGV[1] ~= '' then redis.call('PEXPIREAT', KEYS[1], ARGV[1]) end
return redis.call('HGETALL', KEYS[1])
`;

/**
 * How long a security write's fence lives: well under the command timeout, so a script that
 * Redis runs only after the caller gave up on it (Redis stalled with the command in its socket
 * buffer, then resumed) finds its fence expired and changes nothing.
 */
const FENCE_MS = Math.floor(REDIS_COMMAND_TIMEOUT_MS / 2);
const FENCE_CHECK = `
if redis.call('DEL', KEYS[1]) == 0 then return redis.error_reply('FENCED the write came too late') end
`;

/** How long a queued revocation's keys live without being written: far past Auth0's default
 * refresh-token lifetimes (30 days absolute, 15 days idle), after which nothing is left to revoke. */
const REVOCATION_KEEP_MS = 30 * 24 * 3600_000;

/**
 * KEYS: fence, record, person's zset, person's revocations. ARGV: id, revoke mode (`always`,
 * `never`, `if_last`), queued at, record key prefix of the person, how long to keep the queue.
 * Returns [1 when the revocation was queued else 0, the record's fields], or false.
 */
const DELETE =
  FENCE_CHECK +
  `
local fields = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
if #fields == 0 then return false end
local queue = ARGV[2] == 'always'
if ARGV[2] == 'if_last' then
  queue = true
  for _, member in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    if redis.call('EXISTS', ARGV[4] .. member) == 1 then queue = false break end
  end
end
local tokens
for i = 1, #fields, 2 do
  if fields[i] == 'tokens' then tokens = fields[i + 1] end
end
if not (queue and tokens) then return {0, fields} end
redis.call('HSET', KEYS[4], ARGV[1], '{"tokens":' .. cjson.encode(tokens) ..
  ',"attempts":0,"queuedAt":' .. ARGV[3] .. '}')
redis.call('PEXPIRE', KEYS[4], ARGV[5])
return {1, fields}
`;

/**
 * KEYS: fence, record. ARGV: the sealed tokens the refresh started from, then field/value
 * pairs. Returns [1 written or 0, the record's fields], or false when the record is gone.
 */
const SWAP =
  FENCE_CHECK +
  `
if redis.call('EXISTS', KEYS[2]) == 0 then return false end
local written = 0
if redis.call('HGET', KEYS[2], 'tokens') == ARGV[1] then
  redis.call('HSET', KEYS[2], unpack(ARGV, 2))
  written = 1
end
return {written, redis.call('HGETALL', KEYS[2])}
`;

/** Redis's clock in ms, inside a script. */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** KEYS: due. ARGV: delay (ms), member, how long to keep the set. Due at Redis's now + delay. */
const SCHEDULE =
  NOW +
  `
redis.call('ZADD', KEYS[1], string.format('%.0f', now + tonumber(ARGV[1])), ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
`;

/** KEYS: due. ARGV: lease (ms), limit. Claims the due members until Redis's now + lease. */
const CLAIM =
  NOW +
  `
local due = redis.call('ZRANGE', KEYS[1], '-inf', string.format('%.0f', now), 'BYSCORE',
  'LIMIT', 0, tonumber(ARGV[2]))
local untilAt = string.format('%.0f', now + tonumber(ARGV[1]))
for _, member in ipairs(due) do redis.call('ZADD', KEYS[1], untilAt, member) end
return due
`;

/** KEYS: person's revocations. ARGV: id, the entry's new JSON. Only an entry still queued. */
const REQUEUE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
`;

/** KEYS: lock. ARGV: token. Deletes the lock only if it is still ours. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type Scripted = Redis & {
  sessionCreate(k1: string, k2: string, ...argv: Array<string | number>): Promise<unknown[]>;
  sessionUpdate(k1: string, ...argv: Array<string | number>): Promise<string[] | null>;
  sessionDelete(
    k1: string,
    k2: string,
    k3: string,
    k4: string,
    id: string,
    revoke: RevokeMode,
    queuedAt: number,
    recordPrefix: string,
    keepMs: number,
  ): Promise<[number, string[]] | null>;
  sessionSwap(k1: string, k2: string, ...argv: string[]): Promise<[number, string[]] | null>;
  revocationSchedule(k1: string, delayMs: number, member: string, keepMs: number): Promise<number>;
  revocationClaim(k1: string, leaseMs: number, limit: number): Promise<string[]>;
  revocationRequeue(k1: string, id: string, entry: string): Promise<number>;
  sessionRelease(k1: string, token: string): Promise<number>;
};

type Queueing = {
  revocationSchedule(k1: string, delayMs: number, member: string, keepMs: number): unknown;
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
    redis.defineCommand('sessionDelete', { numberOfKeys: 4, lua: DELETE });
    redis.defineCommand('sessionSwap', { numberOfKeys: 2, lua: SWAP });
    redis.defineCommand('revocationSchedule', { numberOfKeys: 1, lua: SCHEDULE });
    redis.defineCommand('revocationClaim', { numberOfKeys: 1, lua: CLAIM });
    redis.defineCommand('revocationRequeue', { numberOfKeys: 1, lua: REQUEUE });
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
    const over = await this.redis.sessionCreate(
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
    for (let i = 0; i < over.length; i += 2) {
      const parsed = fromFields(String(over[i]), over[i + 1] as string[]);
      if (parsed) out.push(parsed);
    }
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

  async swapTokens(
    ref: SessionRef,
    expectedTokens: string,
    changes: SessionChanges,
  ): Promise<SwapResult> {
    const fence = await this.fence(ref.user.id);
    const answer = await this.redis.sessionSwap(
      fence,
      this.recordKey(ref),
      expectedTokens,
      ...toFields(changes),
    );
    if (!answer) return undefined;
    const record = this.live(fromFields(ref.id, answer[1]));
    return record && { written: answer[0] === 1, record };
  }

  async delete(
    ref: SessionRef,
    { revoke = 'never', leaseMs = 0 }: { revoke?: RevokeMode; leaseMs?: number } = {},
  ): Promise<Deleted | undefined> {
    const person = this.person(ref.user.id);
    const member = dueMember(ref);
    const queuedAt = this.clock.now();
    // The due entry goes first (another slot), due when the caller's lease ends: one without
    // a queued token (the delete below failed, or queued nothing) is dropped when claimed; a
    // token queued without one could wait forever. The fence keeps the delete from running
    // later than its caller waited for it, so by the time the entry is due, the delete has
    // either happened or never will.
    const fence = await this.fence(
      ref.user.id,
      revoke !== 'never' ? { member, leaseMs } : undefined,
    );
    const answer = await this.redis.sessionDelete(
      fence,
      this.recordKey(ref),
      `${person}sessions`,
      `${person}revocations`,
      ref.id,
      revoke,
      queuedAt,
      `${person}s:`,
      REVOCATION_KEEP_MS,
    );
    // Done: the record is gone (and its revocation queued). What follows is tidying up; if
    // it fails the answer stays true (the index expires, an unused due entry is dropped when
    // claimed, and other instances read the store again within their staleness bound).
    const tidy = this.redis
      .pipeline()
      .del(`${this.p}sid:${ref.id}`)
      // Announced even when it was already gone here: another instance may still cache it.
      .publish(this.channel, ref.id);
    if (revoke !== 'never' && answer?.[0] !== 1) tidy.zrem(this.dueKey, member);
    await tidy.exec().catch(() => undefined);
    if (!answer) return undefined;
    const record = this.live(fromFields(ref.id, answer[1]));
    if (!record) return undefined;
    if (answer[0] !== 1) return { record };
    return {
      record,
      revocation: { id: ref.id, userId: ref.user.id, tokens: record.tokens, attempts: 0, queuedAt },
    };
  }

  /**
   * Sets a fresh fence for the person's slot (and, with `due`, schedules that revocation for
   * when the lease ends) and waits for Redis to confirm it: the script that follows runs only
   * while the fence lives.
   */
  private async fence(userId: string, due?: { member: string; leaseMs: number }): Promise<string> {
    const key = `${this.person(userId)}fence:${randomBytes(9).toString('base64url')}`;
    const pipeline = this.redis.pipeline().set(key, '1', 'PX', FENCE_MS);
    // In a pipeline a defined command queues (it returns the pipeline, not a promise).
    if (due)
      (pipeline as unknown as Queueing).revocationSchedule(
        this.dueKey,
        due.leaseMs,
        due.member,
        REVOCATION_KEEP_MS,
      );
    await pipeline.exec().then(failed);
    return key;
  }

  private get dueKey(): string {
    return `${this.p}revocations:due`;
  }

  async claimRevocations(leaseMs: number, limit: number): Promise<PendingRevocation[]> {
    const members = await this.redis.revocationClaim(this.dueKey, leaseMs, limit);
    if (members.length === 0) return [];
    const refs = members.map((member) => ({ member, ...fromMember(member) }));
    const pipeline = this.redis.pipeline();
    for (const r of refs) pipeline.hget(`${this.person(r.userId)}revocations`, r.id);
    const answers = (await pipeline.exec()) ?? [];
    const out: PendingRevocation[] = [];
    const orphans: string[] = [];
    refs.forEach((r, i) => {
      const [err, raw] = answers[i] ?? [new Error('no answer'), null];
      if (err) throw err;
      if (typeof raw !== 'string') {
        // Scheduled by a delete that never ran (it failed or was fenced: it is past its
        // lease), or settled meanwhile: nothing is queued.
        orphans.push(r.member);
        return;
      }
      const parsed = JSON.parse(raw) as Pick<PendingRevocation, 'tokens' | 'attempts' | 'queuedAt'>;
      out.push({ id: r.id, userId: r.userId, ...parsed });
    });
    if (orphans.length > 0) await this.redis.zrem(this.dueKey, ...orphans);
    return out;
  }

  async settleRevocation(entry: PendingRevocation, retryInMs?: number): Promise<void> {
    const key = `${this.person(entry.userId)}revocations`;
    const member = dueMember({ id: entry.id, user: { id: entry.userId } });
    if (retryInMs === undefined) {
      // The token first, then its due entry: in between, the entry is an orphan (dropped).
      await this.redis.hdel(key, entry.id);
      await this.redis.zrem(this.dueKey, member);
      return;
    }
    const { tokens, queuedAt } = entry;
    const requeued = await this.redis.revocationRequeue(
      key,
      entry.id,
      JSON.stringify({ tokens, attempts: entry.attempts + 1, queuedAt }),
    );
    // Settled by another process meanwhile (its lease ran out while ours was in flight).
    if (requeued !== 1) return;
    await this.redis.revocationSchedule(this.dueKey, retryInMs, member, REVOCATION_KEEP_MS);
  }

  pendingRevocations(): Promise<number> {
    return this.redis.zcard(this.dueKey);
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

/** A revocation's member of the due set: the 22-character session id, then the user id. */
function dueMember(ref: SessionRef): string {
  return `${ref.id}${ref.user.id}`;
}

function fromMember(member: string): { id: string; userId: string } {
  return { id: member.slice(0, 22), userId: member.slice(22) };
}
