// The route tree. /login is public; everything else sits under the pathless `_authenticated`
// layout, whose beforeLoad asks the session cache (one /api/me per stale window) and sends
// people without a session to /login?redirect=<where they were going>.
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  redirect,
  type RouterHistory,
} from '@tanstack/react-router';
import type { ApiClient } from './api/api-client';
import { safeRedirectPath } from './lib/redirect';
import { NotFound } from './pages/not-found';
import { RouteError } from './pages/route-error';
import { SIGNED_OUT_REASONS, type SessionCache } from './session/session-cache';
import type { SessionChannel } from './session/session-channel';

/** What every route's beforeLoad, loader and component can reach. */
export interface RouterContext {
  api: ApiClient;
  session: SessionCache;
  channel: SessionChannel;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  // Not lazy: the error page must show even when loading a chunk is what failed.
  notFoundComponent: NotFound,
  errorComponent: RouteError,
});

export interface LoginSearch {
  redirect?: string | undefined;
  reason?: (typeof SIGNED_OUT_REASONS)[number] | undefined;
  /** The code step: its address and timings are in sessionStorage (lib/login-progress.ts). */
  step?: 'code' | undefined;
}

// Anything that is not a string naming an in-app path is dropped rather than refused: a bad
// link should still show the login page. Written by hand rather than with zod so that the
// validator stays out of /login's first load.
export function validateLoginSearch(search: Record<string, unknown>): LoginSearch {
  const out: LoginSearch = {};
  if (typeof search.redirect === 'string') out.redirect = safeRedirectPath(search.redirect);
  const reason = search.reason;
  if (typeof reason === 'string' && (SIGNED_OUT_REASONS as readonly string[]).includes(reason)) {
    out.reason = reason as LoginSearch['reason'];
  }
  if (search.step === 'code') out.step = 'code';
  return out;
}

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: 'login',
  validateSearch: validateLoginSearch,
  // Someone already signed in (or who just signed in, here or in another tab) goes on.
  beforeLoad: async ({ context, search }) => {
    const state = await context.session.ensure().catch(() => undefined);
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- the router's redirects are Responses
    if (state?.status === 'signed-in') throw redirect({ href: search.redirect ?? '/' });
  },
  component: lazyRouteComponent(() => import('./pages/login-page'), 'LoginPage'),
});

const authenticatedRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: '_authenticated',
  beforeLoad: async ({ context, location }) => {
    let state;
    try {
      state = await context.session.ensure();
    } catch (err) {
      // The API (or a service behind it) is down while someone is signed in: keep the layout
      // (who, the navigation, Sign out) with what was last known, and say so in it.
      const me = context.session.lastSignedIn();
      if (!me) throw err;
      return { me, outage: err };
    }
    if (state.status === 'signed-out') {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the router's redirects are Responses
      throw redirect({
        to: '/login',
        search: {
          redirect: location.href,
          reason: state.reason === 'unauthenticated' ? undefined : state.reason,
        },
      });
    }
    return { me: state.me, outage: undefined as unknown };
  },
  component: lazyRouteComponent(() => import('./pages/app-layout'), 'AppLayout'),
});

const homeRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: '/',
  component: lazyRouteComponent(() => import('./pages/home-page'), 'HomePage'),
});

// The person's sessions in every browser, and a way to end them. The list is fetched by the
// page itself, not by a loader, so that hovering the link does not ask the API for it.
const sessionsRoute = createRoute({
  getParentRoute: () => authenticatedRoute,
  path: 'sessions',
  component: lazyRouteComponent(() => import('./pages/sessions-page'), 'SessionsPage'),
});

export const routeTree = rootRoute.addChildren([
  loginRoute,
  authenticatedRoute.addChildren([homeRoute, sessionsRoute]),
]);

export function createAppRouter(context: RouterContext, history?: RouterHistory) {
  return createRouter({
    routeTree,
    context,
    ...(history ? { history } : {}),
    defaultPreload: 'intent',
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

declare module '@tanstack/react-router' {
  interface Register {
    router: AppRouter;
  }
}
