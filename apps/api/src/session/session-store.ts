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

/**
 * A refresh token waiting to be revoked at Auth0: the ended record's sealed tokens (opened
 * with the key ring and the id, like the record's), kept in the store until Auth0 takes it.
 */
export interface PendingRevocation {
  id: string;
  userId: string;
  tokens: string;
  /** Failed attempts so far (the backoff grows with them). */
  attempts: number;
  /** When it was queued (epoch ms, the API's clock; for logs and age only). */
  queuedAt: number;
}

/**
 * Whether removing a record queues its refresh token for revocation: `always`, `never`, or
 * `if_last`: only when the person has no other live session left (with Auth0's "Refresh Token
 * Revocation Deletes Grant" on, revoking would end the others too). Decided inside the same
 * atomic step as the removal, so two sessions ending at once cannot both leave it.
 */
export type RevokeMode = 'always' | 'never' | 'if_last';

/** A record removed by SessionStore.delete, and its queued revocation if one was queued. */
export interface Deleted {
  record: SessionRecord;
  /**
   * The revocation queued with it, claimed for the caller for `leaseMs` (to try it at once;
   * if the caller dies, another process takes it when the lease ends).
   */
  revocation?: PendingRevocation;
}

/** Whether a fenced write landed, and the record as it now is (undefined: gone). */
export type SwapResult = { written: boolean; record: SessionRecord } | undefined;

export abstract class SessionStore {
  /** Whether several API processes can share this store (the operator command needs it). */
  abstract readonly shared: boolean;

  /**
   * Adds a record. When its person then has more than `maxPerUser` live sessions, the oldest
   * past the cap are returned, still stored: the caller ends them (SessionEnding, so their
   * refresh tokens are queued for revocation like any other ending).
   */
  abstract create(record: SessionRecord, maxPerUser: number): Promise<SessionRecord[]>;

  /** The live record (not expired), or undefined. */
  abstract get(id: string): Promise<SessionRecord | undefined>;

  /** Applies changes to a live record; undefined when it is gone (ended meanwhile). */
  abstract update(ref: SessionRef, changes: SessionChanges): Promise<SessionRecord | undefined>;

  /**
   * Applies a refresh's changes only while the record still holds the sealed tokens the
   * refresh started from (the fencing check): a holder whose lock ran out, or a late write,
   * can never put back tokens another holder already rotated.
   */
  abstract swapTokens(
    ref: SessionRef,
    expectedTokens: string,
    changes: SessionChanges,
  ): Promise<SwapResult>;

  /**
   * Removes a record and announces it to every process sharing the store; returns it, or
   * undefined when there was none. With `revoke` (default `never`), its refresh token is
   * queued for revocation in the same atomic step: the record is never gone without the
   * revocation queued, and neither happens when this rejects. A write that reaches the store
   * after the caller was told it failed changes nothing (fenced). The queued entry is claimed
   * for the caller for `leaseMs` (default 0: due at once).
   */
  abstract delete(
    ref: SessionRef,
    opts?: { revoke?: RevokeMode; leaseMs?: number },
  ): Promise<Deleted | undefined>;

  /**
   * Revocations due now, at most `limit`, each claimed for `leaseMs` (another process does
   * not take them meanwhile; one whose claimer died comes back when the lease ends). Due
   * times are measured by the store's own clock (Redis: TIME), so instances' clocks need
   * not agree.
   */
  abstract claimRevocations(leaseMs: number, limit: number): Promise<PendingRevocation[]>;

  /**
   * Settles a claimed revocation: Auth0 took it (`retryInMs` undefined: dropped), or try again
   * in `retryInMs` with one more failed attempt counted. An entry already settled by another
   * process is left alone (never brought back).
   */
  abstract settleRevocation(entry: PendingRevocation, retryInMs?: number): Promise<void>;

  /** How many revocations are queued (due, leased or waiting for a retry). */
  abstract pendingRevocations(): Promise<number>;

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
