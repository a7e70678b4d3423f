import { describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api/api-client';
import { ApiError } from '../src/api/api-error';
import {
  ADA,
  challengeAnswer,
  CURRENT_SESSION,
  FakeApi,
  GOOD_CODE,
  meFor,
  newChallenge,
  otherSessions,
  problemAnswer,
} from './fake-api';

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
    expect(await client.start(ADA)).toEqual({
      resendAfterSeconds: 30,
      expiresInSeconds: 180,
      codeLength: 6,
    });
    expect(await client.verify(ADA, GOOD_CODE)).toEqual(meFor(ADA));
    expect(api.calls[0]).toEqual({
      method: 'POST',
      path: '/api/auth/passwordless/start',
      body: { email: ADA },
    });
  });

  it('start meets a 428 challenge_required by solving it and retrying with the proof', async () => {
    const challenge = await newChallenge(25);
    const api = new FakeApi();
    api.override((call) =>
      (call.body as { proof?: string }).proof ? undefined : challengeAnswer(challenge),
    );
    const client = createApiClient({ fetch: api.fetch });
    let told = 0;
    expect(await client.start(ADA, () => told++)).toEqual({
      resendAfterSeconds: 30,
      expiresInSeconds: 180,
      codeLength: 6,
    });
    expect(told).toBe(1);
    const bodies = api.calls.map((c) => c.body as { email: string; proof?: string });
    expect(bodies[0]).toEqual({ email: ADA });
    const { solution, ...rest } = JSON.parse(atob(bodies[1]!.proof!)) as {
      challenge: unknown;
      solution: { counter: number };
    };
    expect(rest).toEqual({ challenge });
    expect(solution.counter).toBe(25);
  });

  it('a 428 whose challenge is missing or malformed is an ApiError challenge_required', async () => {
    const api = new FakeApi();
    api.override(() => problemAnswer('challenge_required'));
    const client = createApiClient({ fetch: api.fetch });
    expect((await rejection(client.start(ADA))).code).toBe('challenge_required');
    const broken = new FakeApi();
    broken.override(() => challengeAnswer({ parameters: 1 }));
    const err = await rejection(createApiClient({ fetch: broken.fetch }).start(ADA));
    expect(err.code).toBe('challenge_required');
    expect(broken.count('POST', '/api/auth/passwordless/start')).toBe(1);
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

  it('never refreshes: 401 session_expired means the session is over, after one request', async () => {
    const api = new FakeApi();
    api.session = { email: ADA, expired: true };
    expect((await rejection(createApiClient({ fetch: api.fetch }).me())).code).toBe(
      'session_expired',
    );
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/me']);
  });

  it('lists the sessions, parsed with the shared schema', async () => {
    const api = new FakeApi();
    api.session = { email: ADA, expired: false };
    const sessions = await createApiClient({ fetch: api.fetch }).sessions();
    expect(sessions).toEqual([CURRENT_SESSION, ...otherSessions()]);
    expect(api.calls).toEqual([{ method: 'GET', path: '/api/sessions', body: undefined }]);
  });

  it('refuses a sessions list that does not match the contract', async () => {
    const api = new FakeApi();
    api.override(() => ({
      status: 200,
      body: { sessions: [{ ...CURRENT_SESSION, lastSeenAt: 'yesterday' }] },
    }));
    expect((await rejection(createApiClient({ fetch: api.fetch }).sessions())).code).toBe(
      'unexpected_response',
    );
  });

  it('ends one session with DELETE /api/sessions/:id (id encoded), and all others with DELETE /api/sessions', async () => {
    const api = new FakeApi();
    api.session = { email: ADA, expired: false };
    const client = createApiClient({ fetch: api.fetch });
    await client.endSession('ses_phone');
    const odd = await rejection(client.endSession('a/b?c'));
    expect(odd).toMatchObject({ code: 'not_found', status: 404 });
    await client.endOtherSessions();
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'DELETE /api/sessions/ses_phone',
      'DELETE /api/sessions/a%2Fb%3Fc',
      'DELETE /api/sessions',
    ]);
    expect(api.others).toEqual([]);
  });

  it('reports 401 on the sessions calls with the contract code', async () => {
    const client = createApiClient({ fetch: new FakeApi().fetch });
    for (const call of [client.sessions(), client.endSession('x'), client.endOtherSessions()]) {
      expect(await rejection(call)).toMatchObject({ code: 'unauthenticated', status: 401 });
    }
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
