// The second step of /login: the 6-digit code Auth0 emailed, Resend code, and the way back to
// the email step. Its own chunk (login-page.tsx fetches it when an address is sent): the
// first paint of /login needs only the email step. It reads the same whether or not the
// address may sign in.
import { useRouter, getRouteApi } from '@tanstack/react-router';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/api-error';
import { saveProgress, type LoginProgress } from '../lib/login-progress';
import { waitPhrase } from '../lib/messages';
import { DEV_MAILBOX_PATH } from '../api/api-client';
import type { ContractModule } from '../api/contract';
import { alertMessage, ErrorAlert, type AlertMessage } from '../components/error-alert';
import { useSecondsUntil } from '../lib/use-seconds-until';
import type { Activity } from './login-page';

const route = getRouteApi('/login');

/** Keeps the digits of whatever was typed or pasted ("123 456", "Code: 123456"). */
function digits(value: string): string {
  return value.replace(/\D/g, '').slice(0, 6);
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

/**
 * When starting is refused with a wait, whether the person should be on the code step anyway:
 * a code went out to this address moments ago (before a reload, or in another tab), or the
 * hourly limit is reached and the newest code still works. Here rather than in
 * login-page.tsx to keep /login's first load small.
 */
export function stayOnCodeStep(
  err: ApiError,
  email: string,
  again: boolean,
  progress: LoginProgress | undefined,
): { progress: LoginProgress; status: string } | undefined {
  const wait = err.retryAfterSeconds;
  if (!wait || !(again || wait <= 60 || progress?.email === email)) return undefined;
  return {
    progress: {
      email,
      expiresInSeconds: progress?.expiresInSeconds ?? 180,
      resendAt: Date.now() + wait * 1000,
    },
    status: again
      ? `You have asked for several codes: the newest one still works. You can ask for another ${waitPhrase(wait)}.`
      : 'We sent this address a code a moment ago: enter it here.',
  };
}

export interface CodeStepProps {
  email: string;
  expiresInSeconds: number;
  /** When Resend code may be used again (ms since the epoch); changes with every new code. */
  resendAt: number;
  ids: string;
  /** The page's shared state: a request in flight, the error shown, the status line. */
  busy: boolean;
  setBusy: (busy: boolean) => void;
  error: AlertMessage | null;
  setError: (error: AlertMessage | null) => void;
  setStatus: (status: string) => void;
  fail: (err: unknown, activity: Activity) => void;
  contract: (activity: Activity) => Promise<ContractModule | void>;
  resend: () => void;
  changeEmail: () => void;
}

export default function CodeStep(props: CodeStepProps) {
  const { email, ids, busy, error, setBusy, setError, setStatus, fail } = props;
  const { api, session, channel } = route.useRouteContext();
  const search = route.useSearch();
  const router = useRouter();
  const [code, setCode] = useState('');
  const [mailbox, setMailbox] = useState(false);
  const secondsLeft = useSecondsUntil(props.resendAt);
  const errorId = `${ids}-error`;

  const input = useRef<HTMLInputElement>(null);
  const resendButton = useRef<HTMLButtonElement>(null);
  const [deadCode, setDeadCode] = useState(false);

  // A new code makes the typed one useless; focus goes back to the field for the new one.
  useEffect(() => {
    setCode('');
    setDeadCode(false);
    input.current?.focus();
  }, [props.resendAt]);

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
    const schemas = await props.contract('verify-code');
    if (!schemas) return;
    const parsed = schemas.OtpCodeSchema.safeParse(code);
    if (!parsed.success) {
      setError(alertMessage('Enter the 6-digit code from the email.'));
      return;
    }
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      const me = await api.verify(email, parsed.data);
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
          If <strong className="email">{email}</strong> may sign in, we have sent it a 6-digit code.
          The code works for {minutes(props.expiresInSeconds)}.
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
          ref={input}
          value={code}
          aria-invalid={error ? true : undefined}
          aria-describedby={`${ids}-about${error ? ` ${errorId}` : ''}`}
          onChange={(e) => setCode(digits(e.target.value))}
        />
        <ErrorAlert message={error} id={errorId} focus={false} />
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
          onClick={props.resend}
        >
          Resend code
        </button>
        <p id={`${ids}-resend`} className="hint">
          {secondsLeft > 0
            ? `You can ask for a new code in ${secondsLeft} s.`
            : 'No email? Check your spam folder, or ask for a new code.'}
        </p>
      </div>
      <button type="button" className="link" onClick={props.changeEmail}>
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
