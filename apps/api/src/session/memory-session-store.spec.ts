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

  it('keeps at most maxPerUser sessions per person, ending the oldest first', async () => {
    for (let i = 0; i < 4; i++) {
      now += 1;
      expect(await store.create(record(`s${i}`), 3)).toEqual(
        i < 3 ? [] : [expect.objectContaining({ id: 's0' })],
      );
    }
    expect((await store.listByUser('u1')).map((r) => r.id)).toEqual(['s3', 's2', 's1']);
    expect(await store.get('s0')).toBeUndefined();
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
    expect((await store.delete(s))?.id).toBe('s');
    expect(await store.delete(s)).toBeUndefined();
    expect(await store.update(s, { lastSeenAt: now })).toBeUndefined();
  });
});
