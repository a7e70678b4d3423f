// Sessions in this process: the store for one instance (no REDIS_URL). Maps by id, by person
// and by email; expired records are dropped when read and by a sweep once a minute.
import type { Clock } from '../common/clock.js';
import {
  SessionStore,
  type Deleted,
  type PendingRevocation,
  type RevokeMode,
  type Release,
  type SessionChanges,
  type SessionRef,
  type SwapResult,
} from './session-store.js';
import type { SessionRecord } from './session.types.js';

const SWEEP_MS = 60_000;

export class MemorySessionStore extends SessionStore {
  readonly shared = false;
  private readonly byId = new Map<string, SessionRecord>();
  private readonly byUser = new Map<string, Set<string>>();
  private readonly byEmail = new Map<string, Set<string>>();
  private readonly sweeper: NodeJS.Timeout;
  /** Revocations waiting for Auth0 by session id, with when each is next due (or leased until). */
  private readonly revocations = new Map<string, { entry: PendingRevocation; dueAt: number }>();

  constructor(private readonly clock: Pick<Clock, 'now'>) {
    super();
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  private live(record: SessionRecord | undefined): SessionRecord | undefined {
    if (!record) return undefined;
    const now = this.clock.now();
    if (now < record.idleExpiresAt && now < record.absoluteExpiresAt) return record;
    this.remove(record);
    return undefined;
  }

  // Every method answers at once; they return promises because the port is asynchronous.

  create(record: SessionRecord, maxPerUser: number): Promise<SessionRecord[]> {
    this.byId.set(record.id, { ...record });
    add(this.byUser, record.user.id, record.id);
    add(this.byEmail, record.user.email, record.id);
    // The oldest past the cap, left stored: the caller ends them (see SessionStore.create).
    return Promise.resolve(this.list(this.byUser.get(record.user.id)).slice(maxPerUser));
  }

  get(id: string): Promise<SessionRecord | undefined> {
    const record = this.live(this.byId.get(id));
    return Promise.resolve(record && { ...record });
  }

  update(ref: SessionRef, changes: SessionChanges): Promise<SessionRecord | undefined> {
    const record = this.live(this.byId.get(ref.id));
    if (record) Object.assign(record, changes);
    return Promise.resolve(record && { ...record });
  }

  swapTokens(
    ref: SessionRef,
    expectedTokens: string,
    changes: SessionChanges,
  ): Promise<SwapResult> {
    const record = this.live(this.byId.get(ref.id));
    if (!record) return Promise.resolve(undefined);
    const written = record.tokens === expectedTokens;
    if (written) Object.assign(record, changes);
    return Promise.resolve({ written, record: { ...record } });
  }

  delete(
    ref: SessionRef,
    { revoke = 'never', leaseMs = 0 }: { revoke?: RevokeMode; leaseMs?: number } = {},
  ): Promise<Deleted | undefined> {
    const record = this.byId.get(ref.id);
    if (record) this.remove(record);
    const now = this.clock.now();
    if (!record || now >= record.idleExpiresAt || now >= record.absoluteExpiresAt)
      return Promise.resolve(undefined);
    const queue =
      revoke === 'always' ||
      (revoke === 'if_last' && this.list(this.byUser.get(record.user.id)).length === 0);
    if (!queue) return Promise.resolve({ record });
    const entry: PendingRevocation = {
      id: record.id,
      userId: record.user.id,
      tokens: record.tokens,
      attempts: 0,
      queuedAt: now,
    };
    this.revocations.set(entry.id, { entry, dueAt: now + leaseMs });
    return Promise.resolve({ record, revocation: { ...entry } });
  }

  claimRevocations(leaseMs: number, limit: number): Promise<PendingRevocation[]> {
    const now = this.clock.now();
    const due: PendingRevocation[] = [];
    for (const queued of this.revocations.values()) {
      if (due.length >= limit) break;
      if (queued.dueAt > now) continue;
      queued.dueAt = now + leaseMs;
      due.push({ ...queued.entry });
    }
    return Promise.resolve(due);
  }

  settleRevocation(entry: PendingRevocation, retryInMs?: number): Promise<void> {
    const queued = this.revocations.get(entry.id);
    if (!queued) return Promise.resolve();
    if (retryInMs === undefined) this.revocations.delete(entry.id);
    else {
      queued.entry = { ...queued.entry, attempts: entry.attempts + 1 };
      queued.dueAt = this.clock.now() + retryInMs;
    }
    return Promise.resolve();
  }

  pendingRevocations(): Promise<number> {
    return Promise.resolve(this.revocations.size);
  }

  lock(): Promise<Release | undefined> {
    return Promise.resolve(() => Promise.resolve());
  }

  listByUser(userId: string): Promise<SessionRecord[]> {
    return Promise.resolve(this.list(this.byUser.get(userId)));
  }

  listByEmail(email: string): Promise<SessionRecord[]> {
    return Promise.resolve(this.list(this.byEmail.get(email)));
  }

  override close(): Promise<void> {
    clearInterval(this.sweeper);
    return Promise.resolve();
  }

  /** How many records are held (expired ones included until swept). */
  get size(): number {
    return this.byId.size;
  }

  sweep(): void {
    for (const record of this.byId.values()) this.live(record);
  }

  private list(ids: Set<string> | undefined): SessionRecord[] {
    const out: SessionRecord[] = [];
    for (const id of ids ?? []) {
      const record = this.live(this.byId.get(id));
      if (record) out.push({ ...record });
    }
    // Newest first; the id breaks ties so the order is stable.
    return out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
  }

  private remove(record: SessionRecord): void {
    this.byId.delete(record.id);
    drop(this.byUser, record.user.id, record.id);
    drop(this.byEmail, record.user.email, record.id);
  }
}

function add(index: Map<string, Set<string>>, key: string, id: string): void {
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function drop(index: Map<string, Set<string>>, key: string, id: string): void {
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}
