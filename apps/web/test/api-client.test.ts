import { describe, expect, it, vi } from 'vitest';
import { createApiClient } from '../src/api/api-client';
import { ApiError } from '../src/api/api-error';
import { ADA, FakeApi, GOOD_CODE, meFor, problemAnswer } from './fake-api';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe('createApiClient', () => {
  it('parses successful answers with the shared schemas', async () => {
    const api = new FakeApi();
    const client = createApiClient({ fetch: api.fetch });
    expect(await client.start(ADA)).toEqual({ resendAfterSeconds: 30, expiresInSeconds: 180 });
    expect(await client.verify(ADA, GOOD_CODE)).toEqual(meFor(ADA));
    expect(api.calls[0]).toEqual({
      method: 'POST',
      path: '/api/auth/passwordless/start',
      body: { email: ADA },
    });
  });

  it('turns problem+json into an ApiError with the contract code and Retry-After', async () => {
    const api = new FakeApi();
    api.override(() => problemAnswer('rate_limited', { retryAfterSeconds: 25 }));
    const err = await rejection(createApiClient({ fetch: api.fetch }).start(ADA));
    expect(err.code).toBe('rate_limited');
    expect(err.status).toBe(429);
    expect(err.retryAfterSeconds).toBe(25);
  });

  it('refuses answers that do not match the contract', async () => {
    const api = new FakeApi();
    api.override(() => ({ status: 202, body: { resendAfterSeconds: 'soon' } }));
    expect((await rejection(createApiClient({ fetch: api.fetch }).start(ADA))).code).toBe(
      'unexpected_response',
    );
    const html = createApiClient({
      fetch: () => Promise.resolve(new Response('<h1>Bad gateway</h1>', { status: 502 })),
    });
    expect((await rejection(html.me())).code).toBe('unexpected_response');
  });

  it('reports a request that got no answer as network_error', async () => {
    const client = createApiClient({ fetch: () => Promise.reject(new TypeError('offline')) });
    const err = await rejection(client.me());
    expect(err.code).toBe('network_error');
    expect(err.status).toBe(0);
  });

  it('on 401 session_expired refreshes once and retries once', async () => {
    const api = new FakeApi();
    api.session = { email: ADA, expired: true };
    const me = await createApiClient({ fetch: api.fetch }).me();
    expect(me.user.email).toBe(ADA);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /api/me',
      'POST /api/auth/refresh',
      'GET /api/me',
    ]);
  });

  it('does not refresh for 401 unauthenticated (no session at all)', async () => {
    const api = new FakeApi();
    expect((await rejection(createApiClient({ fetch: api.fetch }).me())).code).toBe(
      'unauthenticated',
    );
    expect(api.count('POST', '/api/auth/refresh')).toBe(0);
  });

  it('shares one refresh between concurrent requests', async () => {
    const api = new FakeApi();
    api.session = { email: ADA, expired: true };
    const gate = deferred();
    api.override(async (call) => {
      if (call.path === '/api/auth/refresh') await gate.promise;
      return undefined;
    });
    const client = createApiClient({ fetch: api.fetch });
    const all = Promise.all([client.me(), client.me(), client.me()]);
    // All three have met the expired token while the one refresh is still running.
    await vi.waitFor(() => {
      expect(api.count('GET', '/api/me')).toBe(3);
      expect(api.count('POST', '/api/auth/refresh')).toBe(1);
    });
    gate.resolve();
    const answers = await all;
    expect(answers.map((m) => m.user.email)).toEqual([ADA, ADA, ADA]);
    expect(api.count('POST', '/api/auth/refresh')).toBe(1);
    expect(api.count('GET', '/api/me')).toBe(6);
  });

  it('gives up after one refresh: a failed refresh rejects with its code', async () => {
    const api = new FakeApi();
    api.override((call) => {
      if (call.path === '/api/me') return problemAnswer('session_expired');
      if (call.path === '/api/auth/refresh') return problemAnswer('not_eligible');
      return undefined;
    });
    const err = await rejection(createApiClient({ fetch: api.fetch }).me());
    expect(err.code).toBe('not_eligible');
    expect(api.count('GET', '/api/me')).toBe(1);
    expect(api.count('POST', '/api/auth/refresh')).toBe(1);
  });

  it('retries only once even when the retry meets session_expired again', async () => {
    const api = new FakeApi();
    api.override((call) =>
      call.path === '/api/me' ? problemAnswer('session_expired') : undefined,
    );
    api.session = { email: ADA, expired: false };
    const err = await rejection(createApiClient({ fetch: api.fetch }).me());
    expect(err.code).toBe('session_expired');
    expect(api.count('GET', '/api/me')).toBe(2);
    expect(api.count('POST', '/api/auth/refresh')).toBe(1);
  });

  it('sends JSON with same-origin credentials and no caching', async () => {
    const seen: RequestInit[] = [];
    const client = createApiClient({
      fetch: (_input, init = {}) => {
        seen.push(init);
        return Promise.resolve(new Response(null, { status: 204 }));
      },
    });
    await client.logout();
    expect(seen[0]).toMatchObject({
      method: 'POST',
      credentials: 'same-origin',
      cache: 'no-store',
    });
  });
});
