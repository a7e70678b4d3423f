// The second step of /login: the code Auth0 emailed, Resend code, and the way back to
// the email step. Its own chunk (use-sign-in.ts fetches it when an address is sent): the
// first paint of /login needs only the email step. It reads the same whether or not the
// address may sign in.
import { useRouter, getRouteApi } from '@tanstack/react-router';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { codeFrom } from '../api/answers';
import { ApiError } from '../api/api-error';
import { DEV_MAILBOX_PATH } from '../api/api-client';
import { alertMessage } from '../components/error-alert';
import { Field } from '../components/field';
import { duration } from '../lib/code-wait';
import { saveProgress, type LoginProgress } from '../lib/login-progress';
import { useSecondsUntil } from '../lib/use-seconds-until';
import type { SignIn } from './use-sign-in';

export { stayOnCodeStep } from '../lib/code-wait';

const route = getRouteApi('/login');

/** Keeps the digits of whatever was typed or pasted ("123 456", "Code: 123456"). */
function digits(value: string): string {
  return value.replace(/\D/g, '').slice(0, 6);
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

export interface CodeStepProps {
  flow: SignIn;
  /** The address and timings; `resendAt` changes with every new code. */
  progress: LoginProgress;
  ids: string;
}

export default function CodeStep({ flow, progress, ids }: CodeStepProps) {
  const { busy, error, setBusy, setError, setStatus, fail } = flow;
  const { email, resendAt } = progress;
  const { api, session, channel } = route.useRouteContext();
  const search = route.useSearch();
  const router = useRouter();
  const [code, setCode] = useState('');
  const [mailbox, setMailbox] = useState(false);
  const secondsLeft = useSecondsUntil(resendAt);

  const input = useRef<HTMLInputElement>(null);
  const resendButton = useRef<HTMLButtonElement>(null);
  const [deadCode, setDeadCode] = useState(false);

  // A new code makes the typed one useless; focus goes back to the field for the new one.
  useEffect(() => {
    setCode('');
    setDeadCode(false);
    input.current?.focus();
  }, [resendAt]);

  // An error keeps focus where correcting happens: the field (which the alert describes), or
  // Resend code when the code is dead and only a new one helps.
  useEffect(() => {
    if (!error) return;
    const resend = resendButton.current;
    if (deadCode && resend && !resend.disabled) resend.focus();
    else input.current?.focus();
  }, [error, deadCode]);

  // The local mailbox exists only when the API runs on the emulators; ask once, when needed.
  useEffect(() => {
    if (mailbox) return;
    let live = true;
    void api.devMailboxAvailable().then((available) => live && setMailbox(available));
    return () => {
      live = false;
    };
  }, [api, mailbox]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const typed = codeFrom(code, progress.codeLength);
    if (!typed) {
      setError(alertMessage(`Enter the ${progress.codeLength}-digit code from the email.`));
      return;
    }
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const me = await api.verify(email, typed);
      saveProgress(undefined);
      session.signedIn(me);
      channel.post({ type: 'signed-in' });
      await router.invalidate();
      await router.navigate({ href: search.redirect ?? '/', replace: true });
    } catch (err) {
      setDeadCode(
        err instanceof ApiError &&
          err.code === 'too_many_attempts' &&
          !((err.retryAfterSeconds ?? 0) > 60),
      );
      fail(err, 'verify-code');
      setBusy(false);
    }
  }

  return (
    <>
      <form onSubmit={(e) => void onSubmit(e)} noValidate aria-busy={busy}>
        <h1>Check your email</h1>
        <p id={`${ids}-about`}>
          If <strong className="email">{email}</strong> may sign in, we have sent it a{' '}
          {progress.codeLength}-digit code. The code works for {minutes(progress.expiresInSeconds)}.
        </p>
        <Field
          label="Verification code"
          id={`${ids}-code`}
          name="code"
          className="code"
          autoComplete="one-time-code"
          inputMode="numeric"
          pattern="[0-9]*"
          ref={input}
          value={code}
          about={`${ids}-about`}
          error={error}
          onChange={(e) => setCode(digits(e.target.value))}
        />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      <div className="resend">
        <button
          type="button"
          className="secondary"
          ref={resendButton}
          disabled={busy || secondsLeft > 0}
          aria-describedby={`${ids}-resend`}
          onClick={() => void flow.sendCode(email, true)}
        >
          Resend code
        </button>
        <p id={`${ids}-resend`} className="hint">
          {secondsLeft > 60
            ? `You can ask for a new code in ${duration(secondsLeft)}.`
            : secondsLeft > 0
              ? `You can ask for a new code in ${secondsLeft} s.`
              : 'No email? Check your spam folder, or ask for a new code.'}
        </p>
      </div>
      <button type="button" className="link" onClick={flow.changeEmail}>
        Use a different email address
      </button>
      {mailbox ? (
        <p className="dev-note">
          Running on the local emulators: no email is sent.{' '}
          <a
            href={`${DEV_MAILBOX_PATH}?email=${encodeURIComponent(email)}`}
            target="_blank"
            rel="noreferrer"
          >
            Open the local mailbox
          </a>
        </p>
      ) : null}
    </>
  );
}
