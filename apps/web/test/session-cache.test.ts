import type { MeResponse } from '@portcullis/shared';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/api-error';
import { createSessionCache } from '../src/session/session-cache';
import { meFor } from './fake-api';

function setup(answers: Array<MeResponse | ApiError>) {
  let clock = 0;
  let fetches = 0;
  const cache = createSessionCache({
    fetchMe: () => {
      const next = answers[Math.min(fetches, answers.length - 1)]!;
      fetches += 1;
      return next instanceof ApiError ? Promise.reject(next) : Promise.resolve(next);
    },
    staleMs: 1000,
    now: () => clock,
  });
  return {
    cache,
    fetches: () => fetches,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('createSessionCache', () => {
  it('asks /me once per stale window, and shares a request between concurrent callers', async () => {
    const { cache, fetches, advance } = setup([meFor()]);
    const [a, b] = await Promise.all([cache.ensure(), cache.ensure()]);
    expect(a).toEqual({ status: 'signed-in', me: meFor() });
    expect(b).toBe(a);
    advance(999);
    await cache.ensure();
    expect(fetches()).toBe(1);
    advance(1);
    await cache.ensure();
    expect(fetches()).toBe(2);
  });

  it('turns 401/403 session answers into signed-out states with their reason', async () => {
    for (const code of ['unauthenticated', 'session_expired', 'not_eligible'] as const) {
      const { cache } = setup([new ApiError(code, code === 'not_eligible' ? 403 : 401)]);
      expect(await cache.ensure()).toEqual({ status: 'signed-out', reason: code });
    }
  });

  it('rejects on other errors and does not cache them', async () => {
    const { cache, fetches } = setup([new ApiError('upstream_unavailable', 503), meFor()]);
    await expect(cache.ensure()).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect((await cache.ensure()).status).toBe('signed-in');
    expect(fetches()).toBe(2);
  });

  it('keeps a sign-out that happened while /me was in flight', async () => {
    const { cache } = setup([meFor()]);
    const pending = cache.ensure();
    cache.signedOut('signed_out');
    await pending;
    expect(await cache.ensure()).toEqual({ status: 'signed-out', reason: 'signed_out' });
  });

  it('signedIn fills the cache without asking /me; invalidate forgets it', async () => {
    const { cache, fetches } = setup([new ApiError('unauthenticated', 401)]);
    cache.signedIn(meFor());
    expect((await cache.ensure()).status).toBe('signed-in');
    expect(fetches()).toBe(0);
    cache.invalidate();
    expect((await cache.ensure()).status).toBe('signed-out');
    expect(fetches()).toBe(1);
  });
});
