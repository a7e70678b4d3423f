// Sign-in in two steps: an email address, then the 6-digit code Auth0 emailed. The second
// step looks the same whether or not the address may sign in: the page never says which.
import { ApiError } from '../api/api-error';
import { loadContract } from '../api/contract';
import { getRouteApi, useRouter } from '@tanstack/react-router';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { alertMessage, ErrorAlert, type AlertMessage } from '../components/error-alert';
import { DEV_MAILBOX_PATH } from '../api/api-client';
import { errorMessage } from '../lib/messages';
import { useSecondsUntil } from '../lib/use-seconds-until';
import type { SignedOutReason } from '../session/session-cache';

const route = getRouteApi('/login');

const REASONS: Record<SignedOutReason, string | undefined> = {
  unauthenticated: undefined,
  session_expired: 'Your session has ended. Sign in again to continue.',
  not_eligible: 'This account may no longer sign in.',
  signed_out: 'You have signed out.',
};

type Step = { kind: 'email' } | { kind: 'code'; email: string; expiresInSeconds: number };

/** Keeps the digits of whatever was typed or pasted ("123 456", "Code: 123456"). */
function digits(value: string): string {
  return value.replace(/\D/g, '').slice(0, 6);
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

export function LoginPage() {
  const { api, session, channel } = route.useRouteContext();
  const search = route.useSearch();
  const router = useRouter();
  const [step, setStep] = useState<Step>({ kind: 'email' });
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AlertMessage | null>(null);
  const [status, setStatus] = useState(search.reason ? (REASONS[search.reason] ?? '') : '');
  const [resendAt, setResendAt] = useState(0);
  const [mailbox, setMailbox] = useState(false);
  const secondsLeft = useSecondsUntil(resendAt);
  const ids = useId();
  const errorId = `${ids}-error`;

  // The schemas that check what is typed (and what the API answers) are not needed to paint
  // this page: fetch them once it is on screen and the browser is idle.
  useEffect(() => {
    const load = () => void loadContract().catch(() => undefined);
    if (typeof requestIdleCallback === 'function') {
      const id = requestIdleCallback(load, { timeout: 2000 });
      return () => cancelIdleCallback(id);
    }
    const timer = setTimeout(load, 1);
    return () => clearTimeout(timer);
  }, []);

  // The local mailbox exists only when the API runs on the emulators; ask once, when needed.
  const onCodeStep = step.kind === 'code';
  useEffect(() => {
    if (!onCodeStep || mailbox) return;
    let live = true;
    void api.devMailboxAvailable().then((available) => live && setMailbox(available));
    return () => {
      live = false;
    };
  }, [api, onCodeStep, mailbox]);

  function fail(err: unknown, activity: 'send-code' | 'verify-code') {
    setError(alertMessage(errorMessage(err, activity)));
  }

  async function sendCode(address: string, again: boolean) {
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const started = await api.start(address);
      setStep({ kind: 'code', email: address, expiresInSeconds: started.expiresInSeconds });
      setResendAt(Date.now() + started.resendAfterSeconds * 1000);
      setCode('');
      if (again) setStatus('We sent a new code. Only the newest code works.');
    } catch (err) {
      fail(err, 'send-code');
    } finally {
      setBusy(false);
    }
  }

  async function onSubmitEmail(event: FormEvent) {
    event.preventDefault();
    let contract;
    try {
      contract = await loadContract();
    } catch {
      fail(new ApiError('network_error', 0), 'send-code');
      return;
    }
    const parsed = contract.EmailSchema.safeParse(email);
    if (!parsed.success) {
      setError(alertMessage('Enter your email address, like name@example.com.'));
      return;
    }
    void sendCode(parsed.data, false);
  }

  async function onSubmitCode(event: FormEvent) {
    event.preventDefault();
    if (step.kind !== 'code') return;
    let contract;
    try {
      contract = await loadContract();
    } catch {
      fail(new ApiError('network_error', 0), 'verify-code');
      return;
    }
    const parsed = contract.OtpCodeSchema.safeParse(code);
    if (!parsed.success) {
      setError(alertMessage('Enter the 6-digit code from the email.'));
      return;
    }
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const me = await api.verify(step.email, parsed.data);
      session.signedIn(me);
      channel.post({ type: 'signed-in' });
      await router.invalidate();
      await router.navigate({ href: search.redirect ?? '/', replace: true });
    } catch (err) {
      fail(err, 'verify-code');
      setBusy(false);
    }
  }

  function changeEmail() {
    setStep({ kind: 'email' });
    setError(null);
    setStatus('');
    setCode('');
  }

  return (
    <main className="page narrow">
      <p className="brand">Portcullis</p>
      {step.kind === 'email' ? (
        <form onSubmit={(e) => void onSubmitEmail(e)} noValidate aria-busy={busy}>
          <h1>Sign in</h1>
          <p>We will email you a 6-digit code. No password needed.</p>
          <label htmlFor={`${ids}-email`}>Email address</label>
          <input
            id={`${ids}-email`}
            name="email"
            type="email"
            autoComplete="email"
            autoCapitalize="none"
            spellCheck={false}
            autoFocus
            required
            value={email}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => setEmail(e.target.value)}
          />
          <ErrorAlert message={error} id={errorId} />
          <button type="submit" disabled={busy}>
            Send code
          </button>
        </form>
      ) : (
        <>
          <form onSubmit={(e) => void onSubmitCode(e)} noValidate aria-busy={busy}>
            <h1>Check your email</h1>
            <p>
              If <strong className="email">{step.email}</strong> may sign in, we have sent it a
              6-digit code. The code works for {minutes(step.expiresInSeconds)}.
            </p>
            <label htmlFor={`${ids}-code`}>Verification code</label>
            <input
              id={`${ids}-code`}
              name="code"
              className="code"
              autoComplete="one-time-code"
              inputMode="numeric"
              pattern="[0-9]*"
              autoFocus
              required
              value={code}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errorId : undefined}
              onChange={(e) => setCode(digits(e.target.value))}
            />
            <ErrorAlert message={error} id={errorId} />
            <button type="submit" disabled={busy}>
              Sign in
            </button>
          </form>
          <div className="resend">
            <button
              type="button"
              className="secondary"
              disabled={busy || secondsLeft > 0}
              aria-describedby={`${ids}-resend`}
              onClick={() => void sendCode(step.email, true)}
            >
              Resend code
            </button>
            <p id={`${ids}-resend`} className="hint">
              {secondsLeft > 0
                ? `You can ask for a new code in ${secondsLeft} s.`
                : 'No email? Check your spam folder, or ask for a new code.'}
            </p>
          </div>
          <button type="button" className="link" onClick={changeEmail}>
            Use a different email address
          </button>
          {mailbox ? (
            <p className="dev-note">
              Running on the local emulators: no email is sent.{' '}
              <a
                href={`${DEV_MAILBOX_PATH}?email=${encodeURIComponent(step.email)}`}
                target="_blank"
                rel="noreferrer"
              >
                Open the local mailbox
              </a>
            </p>
          ) : null}
        </>
      )}
      <p role="status" className="status">
        {status}
      </p>
    </main>
  );
}
