// Wires the SPA together: API client, session cache, cross-tab channel and router. main.tsx
// calls it with the browser's fetch and BroadcastChannel; tests call it with fakes.
import type { RouterHistory } from '@tanstack/react-router';
import { createApiClient, type ApiClientOptions } from './api/api-client';
import { createAppRouter, type AppRouter } from './router';
import { createSessionCache, type SessionCache } from './session/session-cache';
import { createSessionChannel, type SessionChannel } from './session/session-channel';

export interface AppOptions {
  fetch?: ApiClientOptions['fetch'];
  channel?: SessionChannel;
  history?: RouterHistory;
  staleMs?: number;
  now?: () => number;
}

export interface App {
  router: AppRouter;
  session: SessionCache;
  /** Stops listening to other tabs. */
  dispose(): void;
}

export function createApp(options: AppOptions = {}): App {
  const channel = options.channel ?? createSessionChannel();
  const api = createApiClient({ fetch: options.fetch });
  const session = createSessionCache({
    fetchMe: () => api.me(),
    staleMs: options.staleMs,
    now: options.now,
  });
  const router = createAppRouter({ api, session, channel }, options.history);

  // Another tab signed out: the cookie is gone for this tab too, so leave protected pages
  // now. Another tab signed in: ask the API again (the login page then moves on).
  const unsubscribe = channel.subscribe((message) => {
    if (message.type === 'signed-out') session.signedOut('signed_out');
    else session.invalidate();
    void router.invalidate();
  });

  return {
    router,
    session,
    dispose() {
      unsubscribe();
      channel.close();
    },
  };
}
