import { createMemoryHistory, RouterProvider } from '@tanstack/react-router';
import { render } from '@testing-library/react';
import { createApp } from '../src/app';
import type { SessionChannel } from '../src/session/session-channel';
import { FakeApi } from './fake-api';
import { createChannels } from './fake-channel';

export interface RenderAppOptions {
  api?: FakeApi;
  channel?: SessionChannel;
  staleMs?: number;
  now?: () => number;
}

/** The whole SPA on a memory history, talking to a FakeApi. */
export function renderApp(path: string, options: RenderAppOptions = {}) {
  const api = options.api ?? new FakeApi();
  const history = createMemoryHistory({ initialEntries: [path] });
  const app = createApp({
    fetch: api.fetch,
    history,
    channel: options.channel ?? createChannels(1)[0],
    staleMs: options.staleMs,
    now: options.now,
  });
  const view = render(<RouterProvider router={app.router} />);
  return { api, app, router: app.router, history, ...view };
}

/** The router's current location as path + search, e.g. `/login?redirect=%2Fsession`. */
export function currentHref(router: ReturnType<typeof renderApp>['router']): string {
  return router.state.location.href;
}
