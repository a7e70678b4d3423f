import { MemorySessionStore } from './memory-session-store.js';
import type { SessionRecord } from './session.types.js';

let now = 1_000_000;
const clock = { now: () => now };

const record = (id: string, overrides: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  handle: `h-${id}`,
  user: { id: 'u1', email: 'ada@example.com', emailVerified: true },
  eligibility: { recordId: '003A' },
  eligibilityCheckedAt: now,
  tokens: 'sealed',
  accessTokenExpiresAt: now + 3_600_000,
  createdAt: now,
  lastSeenAt: now,
  idleExpiresAt: now + 60_000,
  absoluteExpiresAt: now + 120_000,
  device: 'Chrome on Linux',
  ...overrides,
});

describe(MemorySessionStore.name, () => {
  let store: MemorySessionStore;

  beforeEach(() => {
    now = 1_000_000;
    store = new MemorySessionStore(clock);
  });

  afterEach(() => store.close());

  it('returns the sessions past maxPerUser, oldest first, for the caller to end', async () => {
    for (let i = 0; i < 4; i++) {
      now += 1;
      expect(await store.create(record(`s${i}`), 3)).toEqual(
        i < 3 ? [] : [expect.objectContaining({ id: 's0' })],
      );
    }
    // Left in place: the caller ends it (queuing its revocation) like any other ending.
    expect((await store.get('s0'))?.id).toBe('s0');
    expect((await store.delete(record('s0')))?.record.id).toBe('s0');
    expect((await store.listByUser('u1')).map((r) => r.id)).toEqual(['s3', 's2', 's1']);
    await store.create(
      record('other', { user: { id: 'u2', email: 'b@example.com', emailVerified: true } }),
      3,
    );
    expect(await store.listByUser('u1')).toHaveLength(3);
    expect((await store.listByEmail('b@example.com')).map((r) => r.id)).toEqual(['other']);
  });

  it('forgets expired records: on read, in lists, and in the sweep', async () => {
    await store.create(record('idle'), 50);
    await store.create(record('busy', { idleExpiresAt: now + 100_000 }), 50);
    now += 60_000;
    expect(await store.get('idle')).toBeUndefined();
    expect((await store.listByUser('u1')).map((r) => r.id)).toEqual(['busy']);
    now += 60_000; // past the absolute expiry of both
    store.sweep();
    expect(store.size).toBe(0);
    expect(await store.listByEmail('ada@example.com')).toEqual([]);
  });

  it('updates live records only, and hands out copies', async () => {
    await store.create(record('s'), 50);
    const copy = (await store.get('s'))!;
    copy.device = 'changed';
    expect((await store.get('s'))!.device).toBe('Chrome on Linux');
    const s = record('s');
    expect(await store.update(s, { lastSeenAt: now + 1 })).toMatchObject({ lastSeenAt: now + 1 });
    expect(await store.update(record('missing'), { lastSeenAt: now })).toBeUndefined();
    expect((await store.delete(s))?.record.id).toBe('s');
    expect(await store.delete(s)).toBeUndefined();
    expect(await store.update(s, { lastSeenAt: now })).toBeUndefined();
  });

  it('queues a revocation with the removal, leased to the caller, then claimable by one claimer at a time', async () => {
    await store.create(record('s'), 50);
    const deleted = await store.delete(record('s'), { revoke: 'always', leaseMs: 1_000 });
    expect(deleted?.revocation).toEqual({
      id: 's',
      userId: 'u1',
      tokens: 'sealed',
      attempts: 0,
      queuedAt: now,
    });
    expect(await store.pendingRevocations()).toBe(1);
    // The caller's lease: nobody else takes it meanwhile.
    expect(await store.claimRevocations(5_000, 10)).toEqual([]);
    now += 1_000;
    const [claimed] = await store.claimRevocations(5_000, 10);
    expect(claimed?.id).toBe('s');
    expect(await store.claimRevocations(5_000, 10)).toEqual([]);
    // A failed attempt: back after the delay, one more attempt counted.
    await store.settleRevocation(claimed!, 2_000);
    now += 1_999;
    expect(await store.claimRevocations(5_000, 10)).toEqual([]);
    now += 1;
    const [again] = await store.claimRevocations(5_000, 10);
    expect(again?.attempts).toBe(1);
    // A claimer that dies: the entry comes back when its lease ends.
    now += 5_000;
    const [third] = await store.claimRevocations(5_000, 10);
    expect(third?.id).toBe('s');
    await store.settleRevocation(third!);
    expect(await store.pendingRevocations()).toBe(0);
    // Settled twice (a late claimer): never brought back.
    await store.settleRevocation(again!, 1_000);
    expect(await store.pendingRevocations()).toBe(0);
  });

  it('queues nothing for never, and for if_last while the person has another live session', async () => {
    await store.create(record('a'), 50);
    await store.create(record('b'), 50);
    await store.create(record('c'), 50);
    expect((await store.delete(record('a'), { revoke: 'never' }))?.revocation).toBeUndefined();
    expect((await store.delete(record('b'), { revoke: 'if_last' }))?.revocation).toBeUndefined();
    expect((await store.delete(record('c'), { revoke: 'if_last' }))?.revocation?.id).toBe('c');
    expect(await store.delete(record('c'), { revoke: 'always' })).toBeUndefined();
    expect(await store.pendingRevocations()).toBe(1);
  });
});
