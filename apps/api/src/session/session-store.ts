// The port every session store implements: the in-memory adapter (one instance) and the
// Redis adapter (shared by many). Records are found by id, and listed by person (user id)
// and by email for the sessions page and the operator command. Every method is atomic on its
// own; a store that cannot be reached rejects (the caller answers 503), never pretends.
import type { SessionRecord } from './session.types.js';

export type SessionChanges = Partial<
  Pick<
    SessionRecord,
    | 'tokens'
    | 'accessTokenExpiresAt'
    | 'eligibility'
    | 'eligibilityCheckedAt'
    | 'lastSeenAt'
    | 'idleExpiresAt'
  >
>;

/** Enough of a record to find it without an index lookup (a person's keys share a slot). */
export type SessionRef = Pick<SessionRecord, 'id'> & { user: Pick<SessionRecord['user'], 'id'> };

/** Gives back a lock taken with SessionStore.lock. */
export type Release = () => Promise<void>;

export abstract class SessionStore {
  /** Whether several API processes can share this store (the operator command needs it). */
  abstract readonly shared: boolean;

  /**
   * Adds a record. When its person then has more than `maxPerUser` live sessions, the oldest
   * are removed and returned (so the caller can revoke their tokens).
   */
  abstract create(record: SessionRecord, maxPerUser: number): Promise<SessionRecord[]>;

  /** The live record (not expired), or undefined. */
  abstract get(id: string): Promise<SessionRecord | undefined>;

  /** Applies changes to a live record; undefined when it is gone (ended meanwhile). */
  abstract update(ref: SessionRef, changes: SessionChanges): Promise<SessionRecord | undefined>;

  /**
   * Removes a record and announces it to every process sharing the store; returns it, or
   * undefined when there was none.
   */
  abstract delete(ref: SessionRef): Promise<SessionRecord | undefined>;

  /**
   * Takes the session's refresh lock across processes for at most `ttlMs`: a release
   * function, or undefined while another process holds it. In one process the caller's own
   * single flight is the lock, so the in-memory store always grants it.
   */
  abstract lock(ref: SessionRef, ttlMs: number): Promise<Release | undefined>;

  /** A person's live sessions, newest first. */
  abstract listByUser(userId: string): Promise<SessionRecord[]>;

  /** Live sessions whose person has this (normalised) email, newest first. */
  abstract listByEmail(email: string): Promise<SessionRecord[]>;

  /**
   * Ids of sessions ended through another process (another instance, the operator command),
   * so a local cache can drop them. The in-memory store has no other process: never called.
   */
  onEnded(listener: (ids: string[]) => void): void {
    void listener;
  }

  /** Releases connections and timers. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
