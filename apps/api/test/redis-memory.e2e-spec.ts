// Redis stays bounded under a flood of unique addresses (issue 20, case 6): every start
// leaves one small hash per address (its limits' counters and its latest code), with a
// TTL, on a real redis-server. The bound: 250 B per address all included, so a 200,000
// address flood leaves at most 50 MB (measured at that size by the bench, npm run
// bench:flood-redis -w @portcullis/bench).
import { Redis } from 'ioredis';
import { addressHashKey } from '../src/abuse/redis-counter-store.js';
import { startStack, type Stack } from './harness.js';
import { START, VERIFY } from './fixtures.js';
import { describeWithRedis, startRedis, type RedisServer } from './redis.js';

const FLOOD = 3000;
const CONCURRENCY = 16;
const BOUND_PER_ADDRESS = 250;
/** Thirty characters, like a typical address. */
const address = (i: number) => `flood.user.${String(i).padStart(6, '0')}@example.com`;

/** The key of an address's hash under the stack's key prefix (the default, portcullis:). */
const hashOf = (email: string) => addressHashKey('portcullis:limit:', email);

const usedMemory = async (redis: Redis) =>
  Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);

async function allKeys(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

describeWithRedis('Redis state under a unique-address flood', () => {
  let server: RedisServer | undefined;
  let stack: Stack | undefined;
  let redis: Redis | undefined;

  beforeAll(async () => {
    server = await startRedis();
    // The default per-address limits (a cooldown and an hourly count for every address);
    // only the per-IP and global ones, which one test client would meet, are lifted.
    stack = await startStack({
      REDIS_URL: server.url,
      CODE_RESEND_SECONDS: '30',
      CODES_PER_EMAIL_PER_HOUR: '5',
      STARTS_PER_IP_PER_HOUR: '100000',
      STARTS_GLOBAL_PER_MINUTE: '1000000',
    });
    redis = new Redis(server.url);
  });

  afterAll(async () => {
    redis?.disconnect();
    await stack?.stop();
    await server?.stop();
  });

  it(`${FLOOD} unique addresses: one key each, every key with a TTL, at most ${BOUND_PER_ADDRESS} B per address (used_memory and MEMORY USAGE)`, async () => {
    const s = stack!;
    const r = redis!;
    const client = s.client();
    // Warm-up: connections and the keys every start shares (the per-IP and global counts).
    for (let i = 0; i < 20; i++)
      expect((await client.post(START, { email: `warm.${i}@example.com` })).status).toBe(202);
    await s.settle();
    const keysBefore = await r.dbsize();
    const before = await usedMemory(r);

    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < FLOOD) {
          const res = await client.post(START, { email: address(next++) });
          expect(res.status).toBe(202);
        }
      }),
    );
    await s.settle();
    const perAddress = ((await usedMemory(r)) - before) / FLOOD;
    expect(await r.dbsize()).toBe(keysBefore + FLOOD);
    expect(perAddress).toBeLessThanOrEqual(BOUND_PER_ADDRESS);

    const keys = await allKeys(r);
    const ttls = await Promise.all(keys.map((key) => r.pttl(key)));
    expect(keys.filter((_key, i) => ttls[i]! <= 0)).toEqual([]);
    // The hash of a flooded address: compact (listpack), one TTL of about an hour (the
    // hourly count's window and the code's lifetime plus an hour's retention).
    const one = hashOf(address(0));
    expect(keys).toContain(one);
    expect(await r.object('ENCODING', one)).toBe('listpack');
    expect(await r.hkeys(one)).toEqual(expect.arrayContaining(['cool', 'hour', 'code']));
    expect(await r.pttl(one)).toBeGreaterThan(3500_000);
    expect(await r.pttl(one)).toBeLessThanOrEqual(3600_000 + 180_000);
    const sample = Array.from({ length: 200 }, (_, i) => hashOf(address(i)));
    const usage = await Promise.all(sample.map((key) => r.memory('USAGE', key)));
    let total = 0;
    for (const bytes of usage) total += Number(bytes);
    const mean = total / usage.length;
    expect(mean).toBeLessThanOrEqual(BOUND_PER_ADDRESS);
    console.log(
      `Redis per flooded address: ${perAddress.toFixed(1)} B (used_memory), MEMORY USAGE ${mean.toFixed(1)} B`,
    );
  });

  it('wrong codes for a flooded address keep to its one key, with a TTL', async () => {
    const s = stack!;
    const r = redis!;
    const email = address(1);
    const before = await r.dbsize();
    const answers = [];
    for (let i = 0; i < 3; i++)
      answers.push((await s.client().post(VERIFY, { email, code: '123456' })).body.code);
    expect(answers).toEqual(['invalid_code', 'invalid_code', 'too_many_attempts']);
    // One new key: the client IP's count of wrong codes (one per IP, not per address).
    expect(await r.dbsize()).toBe(before + 1);
    const key = hashOf(email);
    expect(await r.hkeys(key)).toEqual(expect.arrayContaining(['fail', 'day', 'code']));
    expect(await r.object('ENCODING', key)).toBe('listpack');
    // The day's ceiling of wrong codes lives a day: the hash lives as long as its longest field.
    expect(await r.pttl(key)).toBeGreaterThan(23 * 3600_000);
  });
});
