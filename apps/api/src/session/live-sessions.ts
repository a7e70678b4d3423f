// The sessions this process has loaded (tokens decrypted, principal verified), bounded, and
// the few operations every part of a session's life shares: reading tokens out of a record,
// writing changes to the store and the live copy, taking a record another process stored,
// the per-session lock, and the rule that a store failure is a 503. The store is the truth;
// this cache lets a request on a known session touch nothing else.
import { Injectable, Logger, Optional } from '@nestjs/common';
import type { PersonPrincipal } from '../auth/principal.js';
import { BoundedCache } from '../common/bounded-cache.js';
import { Clock } from '../common/clock.js';
import { DomainError } from '../common/domain-error.js';
import { MetricsService } from '../ops/metrics.service.js';
import { KeyRing } from './key-ring.js';
import { SessionStore, type Release, type SessionChanges } from './session-store.js';
import type { SessionRecord, SessionTokens } from './session.types.js';

/**
 * Refresh this long before the access token expires (or half its remaining life, for short
 * ones), so no request carries a token that dies on the way.
 */
export const REFRESH_AHEAD_MS = 60_000;
export const refreshAt = (expiresAt: number, now: number) =>
  expiresAt - Math.min(REFRESH_AHEAD_MS, Math.max(0, (expiresAt - now) / 2));
/** Sessions this process keeps decrypted and verified. */
const MAX_LIVE = 20_000;

/** A session this process has loaded: the record, its tokens in clear, what was derived. */
export interface LiveSession {
  record: SessionRecord;
  tokens: SessionTokens;
  /** The cookie value for this session under the current key. */
  cookie: string;
  /** Set once the session has ended: any request still holding this object is refused. */
  ended: boolean;
  /** The person verified from tokens.at, and the key generation it was verified under. */
  principal?: { user: PersonPrincipal; generation: number };
  /** A refresh or eligibility re-check in flight: every request on the session waits for it. */
  pending?: Promise<LiveSession>;
  lastSeenWrittenAt: number;
  /** When to refresh: shortly before the access token expires. */
  refreshAt: number;
  /** When this process last refreshed the tokens (0: never). */
  refreshedAt: number;
  /** When the record was last read from (or written to) a shared store. */
  confirmedAt: number;
}

export const ended = () => new DomainError('unauthenticated', 'Sign in to continue.');

/**
 * A refusal that ends nothing: a cookie or record made under a secret this instance's key
 * ring does not hold. Another instance may hold it (a rotation of SESSION_SECRETS under way),
 * so the session stays in the store and the browser keeps its cookie.
 */
export class NotOursToEnd extends DomainError {}

/** Whether a refusal must leave the browser's cookie alone (see NotOursToEnd). */
export const keepsCookie = (err: unknown): boolean => err instanceof NotOursToEnd;

/** A well-shaped cookie whose MAC no secret of the ring verifies: 401, cookie kept. */
export const unverifiedCookie = () => new NotOursToEnd('unauthenticated', 'Sign in to continue.');

/** A record sealed under a secret not in the ring: 503 (another instance may open it). */
export const unreadableHere = () =>
  new NotOursToEnd(
    'upstream_unavailable',
    'This session cannot be read here right now. Try again shortly.',
    { retryAfterSeconds: 2 },
  );

/** When an access token expires: its own exp, else what Auth0 said. */
export function tokenExpiry(accessToken: string, expiresInSeconds: number, now: number): number {
  const payload = accessToken.split('.')[1];
  if (payload) {
    try {
      const exp = (
        JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }
      ).exp;
      if (typeof exp === 'number') return exp * 1000;
    } catch {
      // Not a JWT we can read: fall back on what Auth0 said.
    }
  }
  return now + expiresInSeconds * 1000;
}

/** Runs `work` as the session's one pending operation (the per-session lock). */
export function exclusive(
  live: LiveSession,
  work: () => Promise<LiveSession>,
): Promise<LiveSession> {
  if (live.pending) return live.pending;
  const pending = work().finally(() => {
    live.pending = undefined;
  });
  live.pending = pending;
  return pending;
}

@Injectable()
export class LiveSessions {
  private readonly logger = new Logger('Session');
  private readonly live = new BoundedCache<string, LiveSession>(MAX_LIVE);

  constructor(
    private readonly store: SessionStore,
    private readonly ring: KeyRing,
    private readonly clock: Clock,
    @Optional() private readonly metrics: MetricsService = new MetricsService(),
  ) {
    store.onEnded((ids) => ids.forEach((id) => this.forget(id)));
  }

  get(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  /** Keeps a session in this process: its record, its tokens in clear, its cookie value. */
  add(
    record: SessionRecord,
    tokens: SessionTokens,
    cookie: string,
    { now, lastSeenWrittenAt }: { now: number; lastSeenWrittenAt: number },
  ): LiveSession {
    const live: LiveSession = {
      record,
      tokens,
      cookie,
      ended: false,
      lastSeenWrittenAt,
      refreshAt: refreshAt(record.accessTokenExpiresAt, now),
      refreshedAt: 0,
      confirmedAt: now,
    };
    this.live.set(record.id, live);
    return live;
  }

  /** Drops a session from this process: requests still holding it are refused. */
  forget(id: string): void {
    const live = this.live.get(id);
    if (live) live.ended = true;
    this.live.delete(id);
  }

  /** Whether the store is shared with other processes (Redis). */
  get shared(): boolean {
    return this.store.shared;
  }

  /** The record's refresh lock (see SessionStore.lock), or undefined while another holds it. */
  lock(record: SessionRecord, ms: number): Promise<Release | undefined> {
    return this.stored(this.store.lock(record, ms));
  }

  /** A session's tokens sealed under the ring's current secret, for its record. */
  seal(id: string, tokens: SessionTokens): string {
    return this.ring.seal(JSON.stringify(tokens), id);
  }

  /** The tokens of a record, or undefined when no secret of the ring opens them. */
  open(record: Pick<SessionRecord, 'id' | 'tokens'>): SessionTokens | undefined {
    const opened = this.ring.open(record.tokens, record.id);
    if (opened === undefined) return undefined;
    try {
      const tokens = JSON.parse(opened) as SessionTokens;
      return typeof tokens.at === 'string' ? tokens : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The tokens of a record. A record sealed under a secret this ring does not hold is refused
   * with a 503 and left as it is: another instance may hold that secret (a rotation under
   * way), and the session is not this instance's to end. One sealed under a secret of the ring
   * that still does not open (altered in the store) can be opened by no instance: it is ended.
   */
  async openOrRefuse(record: SessionRecord): Promise<SessionTokens> {
    const tokens = this.open(record);
    if (tokens) return tokens;
    if (this.ring.sealedBy(record.tokens) === 'unknown') {
      this.metrics.keyMiss('record');
      this.logger.warn({
        msg:
          'session record sealed under a secret that is not in SESSION_SECRETS: refused with 503, ' +
          'not ended (another instance may hold the secret; is a rotation under way?)',
        sid: record.handle,
      });
      throw unreadableHere();
    }
    this.logger.warn({
      msg: 'session tokens do not open with a secret of the key ring that sealed them; session ended',
      sid: record.handle,
    });
    await this.stored(this.store.delete(record));
    this.forget(record.id);
    throw ended();
  }

  /**
   * Seals a live session's tokens again under the current secret when another secret of the
   * ring sealed them, so an old secret can leave the ring once its sessions have been used.
   * Only over the value read (fenced): a refresh elsewhere meanwhile must not be undone. Every
   * instance accepts the current secret by the time it is first in any ring (the rotation's
   * first step puts it second everywhere). Never rejects: a failed write is tried again on the
   * next read from the store.
   */
  async resealIfOld(live: LiveSession): Promise<void> {
    const read = live.record;
    if (this.ring.sealedBy(read.tokens) !== 'old') return;
    const tokens = this.seal(read.id, live.tokens);
    try {
      const result = await this.store.swapTokens(read, read.tokens, { tokens });
      if (result?.written && live.record.tokens === read.tokens)
        live.record = { ...live.record, tokens };
    } catch {
      // The next read tries again.
    }
  }

  /** The stored record of a live session, read again; unauthenticated when it is gone. */
  async reread(live: LiveSession): Promise<SessionRecord> {
    const record = await this.stored(this.store.get(live.record.id));
    if (!record) {
      this.forget(live.record.id);
      throw ended();
    }
    return record;
  }

  /**
   * Takes a record as stored (another process may have refreshed, touched or re-sealed it).
   * Callers then re-seal it (resealIfOld): a session in use is never left to an old secret,
   * whichever instance it is used on.
   */
  adopt(live: LiveSession, record: SessionRecord, tokens: SessionTokens): void {
    const now = this.clock.now();
    if (record.tokens !== live.record.tokens) {
      live.tokens = tokens;
      live.principal = undefined;
      live.refreshAt = refreshAt(record.accessTokenExpiresAt, now);
    }
    // Our own last-seen may be newer than what reached the store.
    live.record = {
      ...record,
      lastSeenAt: Math.max(record.lastSeenAt, live.record.lastSeenAt),
      idleExpiresAt: Math.max(record.idleExpiresAt, live.record.idleExpiresAt),
    };
    live.confirmedAt = now;
  }

  /** Writes changes to the store and to the live copy; unauthenticated when the record is gone. */
  async write(live: LiveSession, changes: SessionChanges): Promise<void> {
    const updated = await this.stored(this.store.update(live.record, changes));
    if (!updated) {
      this.forget(live.record.id);
      throw ended();
    }
    live.record = { ...live.record, ...changes };
    live.confirmedAt = this.clock.now();
  }

  /** A store call whose failure is a 503 for the client, never a 500 and never a silent success. */
  async stored<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (err) {
      if (err instanceof DomainError) throw err;
      this.logger.error({
        msg: 'session store unavailable',
        error: err instanceof Error ? err.message : String(err),
      });
      throw new DomainError(
        'upstream_unavailable',
        'Sessions are temporarily unavailable. Try again shortly.',
        { retryAfterSeconds: 5 },
      );
    }
  }
}
