// The typed client of the HTTP contract. Every answer is parsed with the shared zod/mini
// schemas; every error becomes an ApiError with a code from the contract. Guarded calls that
// meet 401 session_expired refresh the session once (single flight) and retry once.
import type { MeResponse, StartResponse } from '@portcullis/shared';
import type * as z from 'zod/mini';
import { loadContract, type ContractModule } from './contract';
import type { SessionChannel } from '../session/session-channel';
import { ApiError } from './api-error';
import { createRefreshCoordinator, type LockManagerLike } from './refresh-coordinator';

export interface ApiClient {
  /** Asks for a code. The answer is the same whether or not the address may sign in. */
  start(email: string): Promise<StartResponse>;
  /** Exchanges the code for a session cookie (set by the API; JavaScript never sees it). */
  verify(email: string, code: string): Promise<MeResponse>;
  me(): Promise<MeResponse>;
  refresh(): Promise<MeResponse>;
  logout(): Promise<void>;
  /** True when the API runs on the emulators and serves the local mailbox page. */
  devMailboxAvailable(): Promise<boolean>;
}

export interface ApiClientOptions {
  fetch?: typeof fetch;
  locks?: LockManagerLike | undefined;
  channel?: SessionChannel | undefined;
  now?: () => number;
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
  let parsed;
  try {
    parsed = (await loadContract()).ProblemSchema.safeParse(body);
  } catch {
    return new ApiError('network_error', 0);
  }
  if (!parsed.success) return new ApiError('unexpected_response', res.status, retryAfter(res));
  return new ApiError(
    parsed.data.code,
    res.status,
    parsed.data.retryAfterSeconds ?? retryAfter(res),
  );
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const now = options.now ?? Date.now;

  async function send(method: 'GET' | 'POST' | 'HEAD', path: string, body?: unknown) {
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

  async function json<T>(
    res: Response,
    pick: (contract: ContractModule) => z.ZodMiniType<T>,
  ): Promise<T> {
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      throw new ApiError('unexpected_response', res.status);
    }
    let schema: z.ZodMiniType<T>;
    try {
      schema = pick(await loadContract());
    } catch {
      throw new ApiError('network_error', 0);
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw new ApiError('unexpected_response', res.status);
    return parsed.data;
  }

  const refresh = async () =>
    json(await send('POST', '/api/auth/refresh'), (c) => c.MeResponseSchema);
  const coordinator = createRefreshCoordinator({
    refresh,
    locks: options.locks,
    channel: options.channel,
    now,
  });

  /** A call to a guarded route: on 401 session_expired, one refresh, then one retry. */
  async function guarded<T>(call: () => Promise<T>): Promise<T> {
    const sentAt = now();
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 'session_expired')) throw err;
    }
    await coordinator.refreshSince(sentAt);
    return call();
  }

  return {
    start: async (email) =>
      json(
        await send('POST', '/api/auth/passwordless/start', { email }),
        (c) => c.StartResponseSchema,
      ),
    verify: async (email, code) =>
      json(
        await send('POST', '/api/auth/passwordless/verify', { email, code }),
        (c) => c.MeResponseSchema,
      ),
    me: () => guarded(async () => json(await send('GET', '/api/me'), (c) => c.MeResponseSchema)),
    refresh,
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
