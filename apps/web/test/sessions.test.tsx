import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADA, FakeApi, problemAnswer } from './fake-api';
import { currentHref, renderApp } from './render-app';

function signedInApi(): FakeApi {
  const api = new FakeApi();
  api.session = { email: ADA, expired: false };
  return api;
}

/** Opens /sessions and waits for the list. */
async function openSessions(api = signedInApi()) {
  const user = userEvent.setup();
  const rendered = renderApp('/sessions', { api });
  await screen.findByRole('list');
  return { user, ...rendered };
}

/** The list item that shows `device`. */
function item(device: string): HTMLElement {
  const li = screen.getByText(device).closest('li');
  if (!li) throw new Error(`no list item for ${device}`);
  return li;
}

function endButtons(): HTMLButtonElement[] {
  return screen.queryAllByRole<HTMLButtonElement>('button', { name: 'End session' });
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('the sessions page', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('lists every session: this device marked, End session on each other one, with times', async () => {
    const { api } = await openSessions();
    expect(screen.getByRole('heading', { level: 1, name: 'Your sessions' })).toBeTruthy();
    const items = within(screen.getByRole('list')).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('strong')?.textContent)).toEqual([
      'Firefox on macOS',
      'Safari on iPhone',
      'Chrome on Windows',
    ]);
    expect(within(items[0]!).getByText('This device')).toBeTruthy();
    expect(within(items[0]!).queryByRole('button')).toBeNull();
    expect(screen.getAllByText('This device')).toHaveLength(1);
    for (const li of items.slice(1)) {
      expect(within(li).getByRole('button', { name: 'End session' })).toBeTruthy();
    }
    // Created and last-seen times, machine-readable and shown as dates.
    const created = items[1]!.querySelector('time[datetime="2029-12-30T08:00:00.000Z"]');
    const seen = items[1]!.querySelector('time[datetime="2029-12-31T20:15:00.000Z"]');
    expect(created?.textContent).toMatch(/2029/);
    expect(seen?.textContent).toMatch(/2029/);
    // Each End session button is described by the device it ends.
    const describedBy = endButtons()[0]!.getAttribute('aria-describedby');
    expect(document.getElementById(describedBy ?? '')?.textContent).toBe('Safari on iPhone');
    expect(screen.getByRole('button', { name: 'Sign out of all other sessions' })).toBeTruthy();
    expect(api.count('GET', '/api/sessions')).toBe(1);
  });

  it('is reached from the header link Sessions', async () => {
    const user = userEvent.setup();
    const { router } = renderApp('/', { api: signedInApi() });
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    await user.click(within(nav).getByRole('link', { name: 'Sessions' }));
    await screen.findByRole('heading', { name: 'Your sessions' });
    expect(currentHref(router)).toBe('/sessions');
  });

  it('with no other session says so, and offers nothing to end', async () => {
    const api = signedInApi();
    api.others = [];
    await openSessions(api);
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByText('You are not signed in anywhere else.')).toBeTruthy();
    expect(endButtons()).toEqual([]);
    expect(screen.queryByRole('button', { name: 'Sign out of all other sessions' })).toBeNull();
  });

  it('ending a session calls DELETE, reloads the list, and moves focus to the next End session button', async () => {
    const { user, api } = await openSessions();
    await user.click(within(item('Safari on iPhone')).getByRole('button', { name: 'End session' }));
    await waitFor(() => expect(screen.queryByText('Safari on iPhone')).toBeNull());
    expect(api.count('DELETE', '/api/sessions/ses_phone')).toBe(1);
    await waitFor(() => expect(api.count('GET', '/api/sessions')).toBe(2));
    expect(screen.getByRole('status').textContent).toBe(
      'The session on Safari on iPhone has ended.',
    );
    const next = within(item('Chrome on Windows')).getByRole('button', { name: 'End session' });
    await waitFor(() => expect(document.activeElement).toBe(next));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('disables the buttons while a request runs', async () => {
    const api = signedInApi();
    const gate = deferred();
    api.override(async (call) => {
      if (call.method === 'DELETE') await gate.promise;
      return undefined;
    });
    const { user } = await openSessions(api);
    const allOthers = screen.getByRole<HTMLButtonElement>('button', {
      name: 'Sign out of all other sessions',
    });
    await user.click(endButtons()[1]!);
    await waitFor(() => expect(api.count('DELETE', '/api/sessions/ses_office')).toBe(1));
    expect(endButtons().map((b) => b.disabled)).toEqual([true, true]);
    expect(allOthers.disabled).toBe(true);
    gate.resolve();
    await waitFor(() => expect(screen.queryByText('Chrome on Windows')).toBeNull());
    await waitFor(() => expect(endButtons().map((b) => b.disabled)).toEqual([false]));
    // The last button in the list was removed: focus goes to the one before it.
    await waitFor(() => expect(document.activeElement).toBe(endButtons()[0]));
  });

  it('Sign out of all other sessions ends them all, keeps this device, and focuses the list heading', async () => {
    const { user, api } = await openSessions();
    await user.click(screen.getByRole('button', { name: 'Sign out of all other sessions' }));
    await screen.findByText('You are not signed in anywhere else.');
    expect(api.count('DELETE', '/api/sessions')).toBe(1);
    expect(api.count('GET', '/api/sessions')).toBe(2);
    expect(screen.getAllByRole('listitem')).toHaveLength(1);
    expect(screen.getByText('This device')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Sign out of all other sessions' })).toBeNull();
    expect(screen.getByRole('status').textContent).toBe(
      'You have signed out of all other sessions.',
    );
    const heading = screen.getByRole('heading', { name: 'Where you are signed in' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });

  it('shows a 404 (ended meanwhile) as a focused alert, and reloads the list', async () => {
    const api = signedInApi();
    api.override((call) => {
      if (call.method !== 'DELETE') return undefined;
      // Ended from the phone itself a moment ago: the API no longer knows it.
      api.others = api.others.filter((s) => s.id !== 'ses_phone');
      return problemAnswer('not_found');
    });
    const { user } = await openSessions(api);
    await user.click(within(item('Safari on iPhone')).getByRole('button', { name: 'End session' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('That session has already ended.');
    await waitFor(() => expect(screen.queryByText('Safari on iPhone')).toBeNull());
    expect(api.count('GET', '/api/sessions')).toBe(2);
    expect(document.activeElement).toBe(alert);
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('keeps the list as it was when ending fails, with an alert', async () => {
    const api = signedInApi();
    api.override((call) => (call.method === 'DELETE' ? problemAnswer('internal') : undefined));
    const { user } = await openSessions(api);
    await user.click(screen.getByRole('button', { name: 'Sign out of all other sessions' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Signing out of your other sessions did not work. Try again.',
    );
    expect(endButtons().map((b) => b.disabled)).toEqual([false, false]);
    expect(api.count('GET', '/api/sessions')).toBe(1);
  });

  it('a wait named in the alert counts down, the sentence announced once', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    const api = signedInApi();
    api.override((call) =>
      call.method === 'DELETE'
        ? problemAnswer('upstream_unavailable', { retryAfterSeconds: 12 })
        : undefined,
    );
    const { user } = await openSessions(api);
    await user.click(endButtons()[0]!);
    const alert = await screen.findByRole('alert');
    const shown = () => alert.querySelector('[aria-hidden="true"]')?.textContent;
    expect(alert.textContent).toContain('Sign-in is unavailable right now. Try again ');
    expect(alert.querySelector('.visually-hidden')?.textContent).toBe('in 12 seconds');
    expect(shown()).toBe('in 12 seconds');
    act(() => {
      vi.advanceTimersByTime(10_000);
    });
    expect(shown()).toBe('in 2 seconds');
    act(() => {
      vi.advanceTimersByTime(2_000);
    });
    expect(shown()).toBe('now');
  });

  it('a 401 while ending a session goes to /login with the redirect back', async () => {
    const { user, api, router } = await openSessions();
    api.session = null; // ended from another browser meanwhile
    await user.click(endButtons()[0]!);
    await screen.findByLabelText('Email address');
    expect(currentHref(router)).toBe('/login?redirect=%2Fsessions');
    expect(api.count('GET', '/api/me')).toBe(1); // the guard used what the 401 said
    expect(screen.queryByRole('button', { name: 'Sign out' })).toBeNull();
  });

  it('a 401 session_expired while loading the list goes to /login, saying why', async () => {
    const api = signedInApi();
    api.override((call) =>
      call.path === '/api/sessions' ? problemAnswer('session_expired') : undefined,
    );
    const { router } = renderApp('/sessions', { api });
    await screen.findByLabelText('Email address');
    expect(screen.getByRole('status').textContent).toBe(
      'Your session has ended. Sign in again to continue.',
    );
    expect(currentHref(router)).toBe('/login?redirect=%2Fsessions&reason=session_expired');
    expect(api.count('POST', '/api/auth/refresh')).toBe(0);
  });

  it('a list that cannot be loaded shows an alert and Try again', async () => {
    const api = signedInApi();
    let down = true;
    api.override((call) =>
      down && call.path === '/api/sessions' ? problemAnswer('internal') : undefined,
    );
    const user = userEvent.setup();
    renderApp('/sessions', { api });
    expect((await screen.findByRole('alert')).textContent).toBe(
      'We could not load your sessions. Try again.',
    );
    down = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('Safari on iPhone')).toBeTruthy();
  });
});
