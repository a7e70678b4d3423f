// What the SPA knows about the session: the last /api/me answer, kept for a short stale
// window so that navigating between guarded pages costs one /me request per window, not one
// per navigation. Concurrent callers share one request. The API stays the authority: a
// route guard is not a data authorization boundary.
import type { MeResponse } from '@portcullis/shared';
import { isApiError } from '../api/api-error';

/** Why there is no session; shown on the login page (except for `unauthenticated`). */
export const SIGNED_OUT_REASONS = [
  'unauthenticated',
  'session_expired',
  'not_eligible',
  'signed_out',
] as const;
export type SignedOutReason = (typeof SIGNED_OUT_REASONS)[number];

/**
 * Whether an API error says the session is over (401, or 403 not_eligible), and why. Any
 * guarded call that meets one of these sends the person to /login, as the route guard does.
 */
export function signedOutReason(err: unknown): SignedOutReason | undefined {
  return isApiError(err, 'unauthenticated', 'session_expired', 'not_eligible')
    ? (err.code as SignedOutReason)
    : undefined;
}

export type SessionState =
  { status: 'signed-in'; me: MeResponse } | { status: 'signed-out'; reason: SignedOutReason };

export interface SessionCache {
  /** The session, from the cache when fresh, else from /api/me. Rejects on other errors. */
  ensure(): Promise<SessionState>;
  signedIn(me: MeResponse): void;
  signedOut(reason: SignedOutReason): void;
  /** Forget what we know; the next ensure() asks the API. */
  invalidate(): void;
  /**
   * Who was last known to be signed in, however old (undefined after a sign-out): what a
   * signed-in page keeps showing in its header while the API cannot be reached.
   */
  lastSignedIn(): MeResponse | undefined;
}

export interface SessionCacheOptions {
  fetchMe: () => Promise<MeResponse>;
  staleMs?: number;
  now?: () => number;
}

export const DEFAULT_STALE_MS = 30_000;

export function createSessionCache(options: SessionCacheOptions): SessionCache {
  const { fetchMe, staleMs = DEFAULT_STALE_MS, now = Date.now } = options;
  let entry: { state: SessionState; at: number } | undefined;
  let inflight: Promise<SessionState> | undefined;
  // Bumped by every write, so a /me answer that left before a sign-in or sign-out cannot
  // overwrite what happened since.
  let generation = 0;
  let lastMe: MeResponse | undefined;

  function store(state: SessionState): void {
    generation += 1;
    inflight = undefined;
    entry = { state, at: now() };
    lastMe = state.status === 'signed-in' ? state.me : undefined;
  }

  async function load(): Promise<SessionState> {
    const started = generation;
    let state: SessionState;
    try {
      state = { status: 'signed-in', me: await fetchMe() };
    } catch (err) {
      const reason = signedOutReason(err);
      if (!reason) throw err;
      state = { status: 'signed-out', reason };
    }
    if (generation === started) store(state);
    return entry?.state ?? state;
  }

  return {
    ensure() {
      if (entry && now() - entry.at < staleMs) return Promise.resolve(entry.state);
      if (inflight) return inflight;
      const request = load().finally(() => {
        if (inflight === request) inflight = undefined;
      });
      inflight = request;
      return request;
    },
    signedIn: (me) => store({ status: 'signed-in', me }),
    signedOut: (reason) => store({ status: 'signed-out', reason }),
    lastSignedIn: () => lastMe,
    invalidate() {
      generation += 1;
      inflight = undefined;
      entry = undefined;
    },
  };
}
