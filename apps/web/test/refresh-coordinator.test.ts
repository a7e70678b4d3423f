import { describe, expect, it, vi } from 'vitest';
import {
  createRefreshCoordinator,
  REFRESH_LOCK,
  type LockManagerLike,
} from '../src/api/refresh-coordinator';
import { createChannels, type FakeChannel } from './fake-channel';

/** The Web Locks API for several tabs of one origin: exclusive locks, queued requests. */
class FakeLocks implements LockManagerLike {
  private held = new Set<string>();
  private queue = new Map<string, Array<() => void>>();

  request<T>(
    name: string,
    a: { ifAvailable: true } | ((lock: unknown) => Promise<T> | T),
    b?: (lock: unknown) => Promise<T> | T,
  ): Promise<T> {
    const ifAvailable = typeof a === 'object';
    const callback = (typeof a === 'function' ? a : b)!;
    if (ifAvailable && this.held.has(name)) return Promise.resolve(callback(null));
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        this.held.add(name);
        Promise.resolve()
          .then(() => callback({ name }))
          .then(resolve, reject)
          .finally(() => {
            this.held.delete(name);
            this.queue.get(name)?.shift()?.();
          });
      };
      if (this.held.has(name)) {
        const waiting = this.queue.get(name) ?? [];
        waiting.push(run);
        this.queue.set(name, waiting);
      } else run();
    });
  }

  isHeld(name: string) {
    return this.held.has(name);
  }

  waiting(name: string) {
    return this.queue.get(name)?.length ?? 0;
  }
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createRefreshCoordinator', () => {
  it('runs one refresh for concurrent callers in a tab', async () => {
    let refreshes = 0;
    const coordinator = createRefreshCoordinator({
      refresh: async () => {
        refreshes += 1;
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    await Promise.all([coordinator.refreshSince(0), coordinator.refreshSince(0)]);
    expect(refreshes).toBe(1);
  });

  it('skips the refresh when one finished after the failed request was sent', async () => {
    let refreshes = 0;
    let clock = 1000;
    const coordinator = createRefreshCoordinator({
      refresh: () => {
        refreshes += 1;
        return Promise.resolve();
      },
      now: () => clock,
    });
    await coordinator.refreshSince(900); // refreshed at 1000
    clock = 1100;
    await coordinator.refreshSince(950); // sent before that refresh: nothing to do
    expect(refreshes).toBe(1);
    await coordinator.refreshSince(1050); // sent after it: refresh again
    expect(refreshes).toBe(2);
  });

  it('across tabs: a tab that finds the lock taken waits for it and does not refresh', async () => {
    const locks = new FakeLocks();
    const [channelA, channelB] = createChannels(2) as [FakeChannel, FakeChannel];
    const gate = deferred();
    const calls: string[] = [];
    const tabA = createRefreshCoordinator({
      refresh: async () => {
        calls.push('A');
        await gate.promise;
      },
      locks,
      channel: channelA,
    });
    const tabB = createRefreshCoordinator({
      refresh: () => {
        calls.push('B');
        return Promise.resolve();
      },
      locks,
      channel: channelB,
    });
    const a = tabA.refreshSince(0);
    await vi.waitFor(() => expect(calls).toEqual(['A']));
    expect(locks.isHeld(REFRESH_LOCK)).toBe(true);
    let bDone = false;
    const b = tabB.refreshSince(0).then(() => (bDone = true));
    await vi.waitFor(() => expect(locks.waiting(REFRESH_LOCK)).toBe(1));
    expect(bDone).toBe(false); // queued behind tab A's refresh
    gate.resolve();
    await Promise.all([a, b]);
    expect(calls).toEqual(['A']);
    expect(channelA.sent).toEqual([{ type: 'refreshed', at: expect.any(Number) }]);
  });

  it('across tabs: a refresh announced by another tab counts as done', async () => {
    const [channelA, channelB] = createChannels(2) as [FakeChannel, FakeChannel];
    let refreshes = 0;
    const tabB = createRefreshCoordinator({
      refresh: () => {
        refreshes += 1;
        return Promise.resolve();
      },
      channel: channelB,
      now: () => 2000,
    });
    channelA.post({ type: 'refreshed', at: 1500 });
    await tabB.refreshSince(1000);
    expect(refreshes).toBe(0);
  });

  it('rejects every waiting caller when the refresh fails, and tries again next time', async () => {
    let attempts = 0;
    const coordinator = createRefreshCoordinator({
      refresh: () => {
        attempts += 1;
        return Promise.reject(new Error('session over'));
      },
    });
    const results = await Promise.allSettled([
      coordinator.refreshSince(0),
      coordinator.refreshSince(0),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await expect(coordinator.refreshSince(0)).rejects.toThrow('session over');
    expect(attempts).toBe(2);
  });
});
