// Sign-in that survives reload, Back/Forward and another tab; messages that say what to do
// next; titles, focus and announcements (issue 14).
import { act, cleanup, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADA, FakeApi, GOOD_CODE, problemAnswer } from './fake-api';
import { currentHref, renderApp } from './render-app';

const START = '/api/auth/passwordless/start';
const VERIFY = '/api/auth/passwordless/verify';

async function toCodeStep(api = new FakeApi(), path = '/login') {
  const user = userEvent.setup();
  const rendered = renderApp(path, { api });
  await user.type(await screen.findByLabelText('Email address'), ADA);
  await user.click(screen.getByRole('button', { name: 'Send code' }));
  await screen.findByRole('heading', { name: 'Check your email' });
  return { user, ...rendered };
}

describe('sign-in that survives reload, Back/Forward and another tab', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a reload on the code step stays on it, with the address and the countdown, and keeps no code', async () => {
    const { user, router } = await toCodeStep(new FakeApi(), '/login?redirect=%2Fsessions');
    const href = currentHref(router);
    expect(href).toContain('step=code');
    expect(href).toContain('redirect=%2Fsessions');
    expect(href).not.toContain('ada');
    await user.type(screen.getByLabelText('Verification code'), '654321');
    expect(JSON.stringify(sessionStorage)).not.toContain('654321');
    cleanup(); // the reload: the page goes, the tab's sessionStorage stays

    const api = new FakeApi();
    const user2 = userEvent.setup();
    const again = renderApp(href, { api });
    await screen.findByRole('heading', { name: 'Check your email' });
    expect(screen.getByText(ADA)).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Resend code' }).disabled).toBe(
      true,
    );
    expect(api.count('POST', START)).toBe(0);
    await user2.type(screen.getByLabelText('Verification code'), GOOD_CODE);
    await user2.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { name: 'Your sessions' });
    expect(currentHref(again.router)).toBe('/sessions');
    expect(sessionStorage.length).toBe(0);
  });

  it('Back goes to the email step with the address; Forward returns to the code step', async () => {
    const { router } = await toCodeStep();
    act(() => router.history.back());
    const email = await screen.findByLabelText<HTMLInputElement>('Email address');
    expect(email.value).toBe(ADA);
    act(() => router.history.forward());
    await screen.findByRole('heading', { name: 'Check your email' });
    expect(screen.getByText(ADA)).toBeTruthy();
  });

  it('a cooldown for the address (another tab sent a code) keeps the person on the code step', async () => {
    const api = new FakeApi();
    api.override((call) =>
      call.path === START ? problemAnswer('rate_limited', { retryAfterSeconds: 25 }) : undefined,
    );
    await toCodeStep(api);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe(
      'We sent this address a code a moment ago: enter it here.',
    );
    expect(screen.getByText('You can ask for a new code in 25 s.')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Resend code' }).disabled).toBe(
      true,
    );
  });

  it('at the hourly limit, Resend code is disabled and the newest code still works for N minutes, counting down', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    const api = new FakeApi();
    api.resendAfterSeconds = 0;
    const { user } = await toCodeStep(api); // the code works for 180 s
    act(() => {
      vi.advanceTimersByTime(10_000);
    });
    api.override((call) =>
      call.path === START ? problemAnswer('rate_limited', { retryAfterSeconds: 1800 }) : undefined,
    );
    await user.click(screen.getByRole('button', { name: 'Resend code' }));
    const status = screen.getByRole('status');
    await waitFor(() => expect(status.textContent).toContain('You have asked for several codes.'));
    const shown = () => status.querySelector('[aria-hidden="true"]')?.textContent;
    // Screen readers hear the sentence once; the number on screen counts down.
    expect(status.querySelector('.visually-hidden')?.textContent).toBe('3 minutes');
    expect(shown()).toBe('3 minutes');
    expect(screen.getByText('You can ask for a new code in 30 minutes.')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Resend code' }).disabled).toBe(
      true,
    );
    act(() => {
      vi.advanceTimersByTime(60_000);
    });
    expect(shown()).toBe('2 minutes');
    act(() => {
      vi.advanceTimersByTime(70_000);
    });
    expect(shown()).toBe('40 seconds');
    act(() => {
      vi.advanceTimersByTime(40_000);
    });
    expect(status.textContent).toBe(
      'You have asked for several codes. Your newest code has expired.',
    );
    expect(screen.getByText('You can ask for a new code in 28 minutes.')).toBeTruthy();
  });

  it('three wrong codes: the code no longer works, focus on Resend code, and a new code signs in', async () => {
    const api = new FakeApi();
    api.resendAfterSeconds = 0;
    let wrong = 0;
    api.override((call) => {
      if (call.path !== VERIFY || (call.body as { code: string }).code === GOOD_CODE)
        return undefined;
      wrong++;
      return wrong >= 3 ? problemAnswer('too_many_attempts') : problemAnswer('invalid_code');
    });
    const { user } = await toCodeStep(api);
    const code = screen.getByLabelText('Verification code');
    for (let i = 0; i < 3; i++) {
      await user.clear(code);
      await user.type(code, '000000');
      await user.click(screen.getByRole('button', { name: 'Sign in' }));
    }
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toBe(
        'That code no longer works after three wrong tries. Ask for a new code with Resend code.',
      ),
    );
    const resend = screen.getByRole('button', { name: 'Resend code' });
    await waitFor(() => expect(document.activeElement).toBe(resend));
    await user.click(resend);
    await screen.findByText('We sent a new code. Only the newest code works.');
    // After Resend code, focus is back in the (emptied) field for the new code.
    await waitFor(() => expect(document.activeElement).toBe(code));
    await user.type(code, GOOD_CODE);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { name: /^Welcome/ });
  });

  it('a locked address is told when it can try again', async () => {
    const api = new FakeApi();
    api.override((call) =>
      call.path === VERIFY
        ? problemAnswer('too_many_attempts', { retryAfterSeconds: 900 })
        : undefined,
    );
    const { user } = await toCodeStep(api);
    await user.type(screen.getByLabelText('Verification code'), GOOD_CODE);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Too many wrong codes for this address. Try again in 15 minutes.',
    );
  });
});

describe('a wait named in an error', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts down on screen, while screen readers get the sentence once', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    const api = new FakeApi();
    api.override((call) =>
      call.path === VERIFY
        ? problemAnswer('upstream_unavailable', { retryAfterSeconds: 20 })
        : undefined,
    );
    const { user } = await toCodeStep(api);
    await user.type(screen.getByLabelText('Verification code'), GOOD_CODE);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    const shown = () => alert.querySelector('[aria-hidden="true"]')?.textContent;
    expect(alert.textContent).toContain('Sign-in is unavailable right now. Try again ');
    expect(shown()).toBe('in 20 seconds');
    expect(alert.querySelector('.visually-hidden')?.textContent).toBe('in 20 seconds');
    act(() => {
      vi.advanceTimersByTime(5_000);
    });
    expect(shown()).toBe('in 15 seconds');
    act(() => {
      vi.advanceTimersByTime(15_000);
    });
    expect(shown()).toBe('now');
  });
});

describe('announcements and focus', () => {
  it('titles each step and route, and focuses the main heading after sign-in', async () => {
    renderApp('/login');
    await screen.findByLabelText('Email address');
    expect(document.title).toBe('Sign in — Portcullis');
    cleanup();
    const { user } = await toCodeStep();
    expect(document.title).toBe('Check your email — Portcullis');
    await user.type(screen.getByLabelText('Verification code'), GOOD_CODE);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const heading = await screen.findByRole('heading', { name: /^Welcome/ });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(document.title).toBe('Home — Portcullis');
    await user.click(screen.getByRole('link', { name: 'Sessions' }));
    const sessions = await screen.findByRole('heading', { name: 'Your sessions' });
    await waitFor(() => expect(document.activeElement).toBe(sessions));
    expect(document.title).toBe('Your sessions — Portcullis');
  });

  it('the code field is described by the step text; the status region exists while empty', async () => {
    renderApp('/login');
    await screen.findByLabelText('Email address');
    expect(screen.getByRole('status').textContent).toBe('');
    cleanup();
    await toCodeStep();
    const code = screen.getByLabelText('Verification code');
    const about = document.getElementById(code.getAttribute('aria-describedby')!.split(' ')[0]!);
    expect(about?.textContent).toContain(ADA);
    expect(about?.textContent).toContain('The code works for 3 minutes.');
  });

  it('says so when signing in takes more than a second', async () => {
    const api = new FakeApi();
    api.override(async (call) => {
      if (call.path === VERIFY) await new Promise((resolve) => setTimeout(resolve, 1500));
      return undefined;
    });
    const { user } = await toCodeStep(api);
    await user.type(screen.getByLabelText('Verification code'), GOOD_CODE);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Signing you in…'), {
      timeout: 1400,
    });
    await screen.findByRole('heading', { name: /^Welcome/ }, { timeout: 3000 });
  });
});
