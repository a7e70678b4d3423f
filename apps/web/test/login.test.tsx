import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADA, FakeApi, GOOD_CODE, problemAnswer } from './fake-api';
import { currentHref, renderApp } from './render-app';

async function toCodeStep(api = new FakeApi(), path = '/login', typed = ADA) {
  const user = userEvent.setup();
  const rendered = renderApp(path, { api });
  await user.type(await screen.findByLabelText('Email address'), typed);
  await user.click(screen.getByRole('button', { name: 'Send code' }));
  await screen.findByRole('heading', { name: 'Check your email' });
  return { user, ...rendered };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the login page', () => {
  it('step 1 asks for the email address and sends it, trimmed and lower-cased', async () => {
    const { api } = await toCodeStep(new FakeApi(), '/login', '  Ada.Lovelace@Example.COM ');
    expect(api.calls.find((c) => c.path === '/api/auth/passwordless/start')?.body).toEqual({
      email: ADA,
    });
  });

  it('step 2 has a one-time-code field and says which address it was sent to', async () => {
    await toCodeStep();
    const code = screen.getByLabelText('Verification code');
    expect(code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(code.getAttribute('inputmode')).toBe('numeric');
    expect(document.activeElement).toBe(code);
    expect(screen.getByText(ADA)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeTruthy();
  });

  it('refuses a malformed address without calling the API, in an alert that describes the field', async () => {
    const user = userEvent.setup();
    const { api } = renderApp('/login');
    await user.type(await screen.findByLabelText('Email address'), 'ada@');
    await user.click(screen.getByRole('button', { name: 'Send code' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Enter your email address, like name@example.com.');
    const field = screen.getByLabelText('Email address');
    // Focus stays where correcting happens; the field is described by the alert.
    expect(document.activeElement).toBe(field);
    expect(field.getAttribute('aria-describedby')).toBe(alert.id);
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(api.count('POST', '/api/auth/passwordless/start')).toBe(0);
  });

  it('renders problem codes as plain sentences, focus staying in the field', async () => {
    const api = new FakeApi();
    api.override((call) =>
      call.path === '/api/auth/passwordless/start'
        ? problemAnswer('rate_limited', { retryAfterSeconds: 1200 })
        : undefined,
    );
    const user = userEvent.setup();
    renderApp('/login', { api });
    await user.type(await screen.findByLabelText('Email address'), ADA);
    await user.click(screen.getByRole('button', { name: 'Send code' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('Too many requests. Try again in 20 minutes.');
    // The page moves focus back to the field after the alert renders (an effect): on a loaded
    // machine the alert can be found first.
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByLabelText('Email address')),
    );
  });

  it('shows a wrong code as an alert that describes the field, focus staying in the field', async () => {
    const { user } = await toCodeStep();
    const code = screen.getByLabelText('Verification code');
    await user.type(code, '000000');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('That code is not right. Check the email and try again.');
    await waitFor(() => expect(document.activeElement).toBe(code));
    expect(code.getAttribute('aria-describedby')?.split(' ')).toContain(alert.id);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(document.activeElement).toBe(code));
  });

  it.each([
    ['code_expired', 'That code has expired. Ask for a new one with Resend code.'],
    [
      'too_many_attempts',
      'That code no longer works after three wrong tries. Ask for a new code with Resend code.',
    ],
    ['upstream_unavailable', 'Sign-in is unavailable right now. Try again in a moment.'],
  ] as const)('says what %s means', async (code, sentence) => {
    const api = new FakeApi();
    api.override((call) =>
      call.path === '/api/auth/passwordless/verify' ? problemAnswer(code) : undefined,
    );
    const { user } = await toCodeStep(api);
    await user.type(screen.getByLabelText('Verification code'), GOOD_CODE);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe(sentence);
  });

  it('keeps only the digits of a pasted code', async () => {
    const { user } = await toCodeStep();
    const code = screen.getByLabelText<HTMLInputElement>('Verification code');
    await user.click(code);
    await user.paste('Your code: 123 456');
    expect(code.value).toBe('123456');
  });

  it('disables Resend code during a visible countdown, then sends a new code', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
    const { user, api } = await toCodeStep();
    const resend = screen.getByRole<HTMLButtonElement>('button', { name: 'Resend code' });
    expect(resend.disabled).toBe(true);
    expect(screen.getByText('You can ask for a new code in 30 s.')).toBeTruthy();
    act(() => {
      vi.advanceTimersByTime(10_000);
    });
    expect(screen.getByText('You can ask for a new code in 20 s.')).toBeTruthy();
    expect(resend.disabled).toBe(true);
    act(() => {
      vi.advanceTimersByTime(20_000);
    });
    expect(resend.disabled).toBe(false);
    await user.click(resend);
    await screen.findByText('We sent a new code. Only the newest code works.');
    expect(api.count('POST', '/api/auth/passwordless/start')).toBe(2);
    expect(resend.disabled).toBe(true);
  });

  it('goes back to change the address, keeping what was typed', async () => {
    const { user } = await toCodeStep();
    await user.click(screen.getByRole('button', { name: 'Use a different email address' }));
    const email = screen.getByLabelText<HTMLInputElement>('Email address');
    expect(email.value).toBe(ADA);
    expect(screen.queryByLabelText('Verification code')).toBeNull();
  });

  it('after sign-in goes to the redirect target', async () => {
    const { user, router } = await toCodeStep(new FakeApi(), '/login?redirect=%2Fsessions');
    await user.type(screen.getByLabelText('Verification code'), GOOD_CODE);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { name: 'Your sessions' });
    expect(currentHref(router)).toBe('/sessions');
  });

  it('after sign-in goes home when the redirect target points outside the app', async () => {
    const { user, router } = await toCodeStep(new FakeApi(), '/login?redirect=%2F%2Fevil.example');
    await user.type(screen.getByLabelText('Verification code'), GOOD_CODE);
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByRole('heading', { name: /^Welcome/ });
    expect(currentHref(router)).toBe('/');
  });

  it('says why the person is here when a session ended', async () => {
    renderApp('/login?reason=session_expired');
    expect((await screen.findByRole('status')).textContent).toBe(
      'Your session has ended. Sign in again to continue.',
    );
  });

  it('offers the local mailbox only when the API serves it (embedded mode)', async () => {
    const api = new FakeApi();
    api.override((call) =>
      call.method === 'HEAD' && call.path === '/api/dev/mailbox' ? { status: 200 } : undefined,
    );
    await toCodeStep(api);
    const link = await screen.findByRole('link', { name: 'Open the local mailbox' });
    expect(link.getAttribute('href')).toBe(`/api/dev/mailbox?email=${encodeURIComponent(ADA)}`);
  });

  it('does not offer the mailbox when the API does not serve it', async () => {
    const { api } = await toCodeStep();
    await waitFor(() => expect(api.count('HEAD', '/api/dev/mailbox')).toBe(1));
    expect(screen.queryByRole('link', { name: 'Open the local mailbox' })).toBeNull();
  });
});
