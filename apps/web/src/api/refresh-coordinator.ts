// Refreshing the session is single-flight: inside a tab, concurrent 401s share one
// POST /api/auth/refresh; across tabs, a Web Lock serialises refreshes and a tab that finds the
// lock taken waits for it and then just retries, because the cookie jar is shared and the
// other tab's refresh already rotated the cookie for everyone.
import type { SessionChannel } from '../session/session-channel';

export const REFRESH_LOCK = 'portcullis:refresh';

/** The part of `navigator.locks` we use (absent in old browsers and in jsdom). */
export interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable: true },
    callback: (lock: unknown) => Promise<T> | T,
  ): Promise<T>;
  request<T>(name: string, callback: (lock: unknown) => Promise<T> | T): Promise<T>;
}

export interface RefreshCoordinator {
  /**
   * Makes sure the session was refreshed after `sentAt` (epoch ms: when the request that got
   * 401 session_expired left). Rejects with the refresh's error when it fails.
   */
  refreshSince(sentAt: number): Promise<void>;
}

export interface RefreshCoordinatorOptions {
  refresh: () => Promise<unknown>;
  locks?: LockManagerLike | undefined;
  channel?: SessionChannel | undefined;
  now?: () => number;
}

export function createRefreshCoordinator(options: RefreshCoordinatorOptions): RefreshCoordinator {
  const { refresh, locks, channel, now = Date.now } = options;
  // When this tab last saw a completed refresh, its own or another tab's (BroadcastChannel).
  let lastRefreshAt = 0;
  let inflight: Promise<void> | undefined;

  channel?.subscribe((message) => {
    if (message.type === 'refreshed') lastRefreshAt = Math.max(lastRefreshAt, message.at);
  });

  async function refreshHere(): Promise<void> {
    await refresh();
    lastRefreshAt = now();
    // Posted while still holding the lock, so a tab queued behind it usually knows already.
    channel?.post({ type: 'refreshed', at: lastRefreshAt });
  }

  async function refreshAcrossTabs(): Promise<void> {
    if (!locks) return refreshHere();
    const ranHere = await locks.request(REFRESH_LOCK, { ifAvailable: true }, async (lock) => {
      if (!lock) return false;
      await refreshHere();
      return true;
    });
    // Another tab is refreshing: wait until it is done; the caller's retry then carries the
    // rotated cookie (or fails again if that refresh failed, and the session is over).
    if (!ranHere) await locks.request(REFRESH_LOCK, () => undefined);
  }

  return {
    refreshSince(sentAt) {
      if (lastRefreshAt > sentAt) return Promise.resolve();
      if (inflight) return inflight;
      const refreshing = refreshAcrossTabs().finally(() => {
        if (inflight === refreshing) inflight = undefined;
      });
      inflight = refreshing;
      return refreshing;
    },
  };
}
