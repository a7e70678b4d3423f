import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { ADA, FakeApi, problemAnswer } from './fake-api';
import { createChannels, type FakeChannel } from './fake-channel';
import { currentHref, renderApp } from './render-app';

function signedInApi(expired = false): FakeApi {
  const api = new FakeApi();
  api.session = { email: ADA, expired };
  return api;
}

/** Signed in on /, with a 30 s stale window on a clock the test moves (`clock.now`). */
async function renderWithClock() {
  const clock = { now: 0 };
  const user = userEvent.setup();
  const view = renderApp('/', {
    api: signedInApi(),
    staleMs: 30_000,
    now: () => clock.now,
  });
  await screen.findByRole('heading', { name: /^Welcome/ });
  return { ...view, user, clock };
}

/** A signed-in FakeApi whose /api/me answers upstream_unavailable while `outage.down`. */
function apiWithOutage(down: boolean) {
  const api = signedInApi();
  const outage = { down };
  api.override((call) =>
    outage.down && call.path === '/api/me' ? problemAnswer('upstream_unavailable') : undefined,
  );
  return { api, outage };
}

describe('the authenticated layout', () => {
  it('sends someone without a session to /login?redirect=<where they were going>', async () => {
    const { router, api } = renderApp('/sessions?tab=2');
    await screen.findByLabelText('Email address');
    expect(currentHref(router)).toBe('/login?redirect=%2Fsessions%3Ftab%3D2');
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    expect(api.count('GET', '/api/me')).toBe(1);
  });

  it('renders the home page with a session: email, name, record fields, session end', async () => {
    renderApp('/', { api: signedInApi() });
    expect(await screen.findByRole('heading', { name: 'Welcome, Ada Lovelace' })).toBeTruthy();
    expect(screen.getAllByText(ADA).length).toBeGreaterThan(0);
    expect(screen.getByText('Account tier').nextElementSibling?.textContent).toBe('Gold');
    expect(screen.getByText('First name').nextElementSibling?.textContent).toBe('Ada');
    expect(screen.getByText('003000000000001AAA')).toBeTruthy();
    const ends = document.querySelector('time[datetime="2030-01-08T10:00:00.000Z"]');
    expect(ends?.textContent).toMatch(/2030/);
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();
  });

  it('asks /me once for several navigations inside the stale window, again after it', async () => {
    const { api, router, user, clock } = await renderWithClock();
    for (let i = 0; i < 5; i += 1) {
      await user.click(screen.getByRole('link', { name: 'Sessions' }));
      await screen.findByRole('heading', { name: 'Your sessions' });
      await user.click(screen.getByRole('link', { name: 'Home' }));
      await screen.findByRole('heading', { name: /^Welcome/ });
    }
    expect(currentHref(router)).toBe('/');
    expect(api.count('GET', '/api/me')).toBe(1);
    clock.now += 30_000;
    await user.click(screen.getByRole('link', { name: 'Sessions' }));
    await screen.findByRole('heading', { name: 'Your sessions' });
    expect(api.count('GET', '/api/me')).toBe(2);
  });

  it('after the stale window, sends the next navigation of a session ended elsewhere to /login', async () => {
    const { api, router, user, clock } = await renderWithClock();
    // Ended from another browser: the API now answers this cookie with 401.
    api.session = null;
    clock.now += 30_000;
    await user.click(screen.getByRole('link', { name: 'Sessions' }));
    await screen.findByLabelText('Email address');
    expect(currentHref(router)).toBe('/login?redirect=%2Fsessions');
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
  });

  it('treats 401 session_expired from /me as the end of the session: /login saying why, no refresh', async () => {
    const { api, router } = renderApp('/', { api: signedInApi(true) });
    expect((await screen.findByRole('status')).textContent).toBe(
      'Your session has ended. Sign in again to continue.',
    );
    expect(currentHref(router)).toBe('/login?redirect=%2F&reason=session_expired');
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/me']);
  });

  it('shows an error with a retry, not the login page, when the API is unavailable', async () => {
    const { api, outage } = apiWithOutage(true);
    const user = userEvent.setup();
    renderApp('/', { api });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Sign-in is unavailable right now. Try again in a moment.');
    expect(screen.queryByLabelText('Email address')).toBeNull();
    outage.down = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: /^Welcome/ })).toBeTruthy();
  });

  it('an outage while signed in keeps the header and Sign out, and Try again reports its result', async () => {
    const { api, outage } = apiWithOutage(false);
    const user = userEvent.setup();
    renderApp('/', { api, staleMs: 0 });
    await screen.findByRole('heading', { name: /^Welcome/ });
    outage.down = true;
    await user.click(screen.getByRole('link', { name: 'Sessions' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Sign-in is unavailable right now. Try again in a moment.');
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Main' })).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'Still unavailable. Sign-in is unavailable right now. Try again in a moment.',
      ),
    );
    outage.down = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    expect(screen.getByRole('heading', { name: 'Your sessions' })).toBeTruthy();
  });

  it('moves a signed-in visitor of /login on to the app', async () => {
    const { router } = renderApp('/login?redirect=%2Fsessions', { api: signedInApi() });
    await screen.findByRole('heading', { name: 'Your sessions' });
    expect(currentHref(router)).toBe('/sessions');
  });
});

describe('signing out', () => {
  it('returns to /login, and Back shows no protected content', async () => {
    const [channel, otherTab] = createChannels(2) as [FakeChannel, FakeChannel];
    const user = userEvent.setup();
    const { api, router, history } = renderApp('/', { api: signedInApi(), channel });
    await screen.findByRole('heading', { name: /^Welcome/ });
    await user.click(screen.getByRole('button', { name: 'Sign out' }));
    expect((await screen.findByRole('status')).textContent).toBe('You have signed out.');
    expect(currentHref(router)).toBe('/login?reason=signed_out');
    expect(api.count('POST', '/api/auth/logout')).toBe(1);
    expect(channel.sent).toEqual([{ type: 'signed-out' }]);
    expect(otherTab.sent).toEqual([]);

    history.back();
    await waitFor(() => expect(currentHref(router)).toMatch(/^\/login\?redirect=%2F/));
    expect(screen.queryByText(ADA)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
    expect(screen.getByLabelText('Email address')).toBeTruthy();
  });

  it('in another tab signs this tab out too', async () => {
    const [thisTab, otherTab] = createChannels(2) as [FakeChannel, FakeChannel];
    const { router } = renderApp('/sessions', { api: signedInApi(), channel: thisTab });
    await screen.findByRole('heading', { name: 'Your sessions' });
    otherTab.post({ type: 'signed-out' });
    await screen.findByLabelText('Email address');
    expect(currentHref(router)).toBe('/login?redirect=%2Fsessions&reason=signed_out');
    expect(screen.queryByRole('heading', { name: 'Your sessions' })).toBeNull();
  });

  it('says so and stays signed in when the API cannot be reached', async () => {
    const api = signedInApi();
    api.override((call) =>
      call.path === '/api/auth/logout' ? problemAnswer('upstream_unavailable') : undefined,
    );
    const user = userEvent.setup();
    renderApp('/', { api });
    await user.click(await screen.findByRole('button', { name: 'Sign out' }));
    const alert = await screen.findByRole('alert');
    expect(document.activeElement).toBe(alert);
    expect(screen.getByRole('heading', { name: /^Welcome/ })).toBeTruthy();
  });
});
