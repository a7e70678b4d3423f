// The typed client of the HTTP contract. Every answer is checked against the contract
// (answers.ts); every error becomes an ApiError with a code from the contract. The API refreshes
// tokens itself, on whichever request notices they are about to expire: a 401 from a guarded
// route means the session is over, and the client never retries.
import type { MeResponse, SessionSummary, StartResponse } from '@portcullis/shared';
import {
  isMeResponse,
  isProblem,
  isSessionsResponse,
  isStartResponse,
  type Check,
} from './answers';
import { ApiError } from './api-error';

export interface ApiClient {
  /**
   * Asks for a code. The answer is the same whether or not the address may sign in. Under a
   * flood the API first asks for a proof of work (428 `challenge_required`): then
   * `onChallenge` is told, the solver is fetched, and start is retried with the proof (see
   * flood-challenge.ts).
   */
  start(email: string, onChallenge?: () => void): Promise<StartResponse>;
  /** Exchanges the code for a session cookie (set by the API; JavaScript never sees it). */
  verify(email: string, code: string): Promise<MeResponse>;
  me(): Promise<MeResponse>;
  /** The signed-in person's sessions, newest first; `current` marks this browser's. */
  sessions(): Promise<SessionSummary[]>;
  /** Ends one of the person's other sessions. 404 not_found when it has ended already. */
  endSession(id: string): Promise<void>;
  /** Ends every session of the person except this browser's. */
  endOtherSessions(): Promise<void>;
  logout(): Promise<void>;
  /** True when the API runs on the emulators and serves the local mailbox page. */
  devMailboxAvailable(): Promise<boolean>;
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
}

export const DEV_MAILBOX_PATH = '/api/dev/mailbox';

function retryAfter(res: Response): number | undefined {
  const value = Number(res.headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!isProblem(body)) return new ApiError('unexpected_response', res.status, retryAfter(res));
  return new ApiError(
    body.code,
    res.status,
    body.retryAfterSeconds ?? retryAfter(res),
    // Checked by the solver, which is loaded only when there is a challenge to solve.
    (body as { challenge?: unknown }).challenge,
  );
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function send(method: 'GET' | 'POST' | 'DELETE' | 'HEAD', path: string, body?: unknown) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetchImpl(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError('network_error', 0);
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  }

  async function json<T>(res: Response, check: Check<T>): Promise<T> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new ApiError('unexpected_response', res.status);
    }
    if (!check(body)) throw new ApiError('unexpected_response', res.status);
    return body;
  }

  return {
    start: async (email, onChallenge) => {
      const start = async (proof?: string) =>
        json(await send('POST', '/api/auth/passwordless/start', { email, proof }), isStartResponse);
      try {
        return await start();
      } catch (err) {
        if (!(err as ApiError).challenge) throw err;
        onChallenge?.();
        return (await import('./flood-challenge')).startWithProof(start, err as ApiError);
      }
    },
    verify: async (email, code) =>
      json(await send('POST', '/api/auth/passwordless/verify', { email, code }), isMeResponse),
    me: async () => json(await send('GET', '/api/me'), isMeResponse),
    sessions: async () =>
      (await json(await send('GET', '/api/sessions'), isSessionsResponse)).sessions,
    endSession: async (id) => {
      await send('DELETE', `/api/sessions/${encodeURIComponent(id)}`);
    },
    endOtherSessions: async () => {
      await send('DELETE', '/api/sessions');
    },
    logout: async () => {
      await send('POST', '/api/auth/logout');
    },
    devMailboxAvailable: async () => {
      try {
        await send('HEAD', DEV_MAILBOX_PATH);
        return true;
      } catch {
        return false;
      }
    },
  };
}
