// The second step of /login: the 6-digit code Auth0 emailed, Resend code, and the way back to
// the email step. Its own chunk (login-page.tsx fetches it when an address is sent): the
// first paint of /login needs only the email step. It reads the same whether or not the
// address may sign in.
import { useRouter, getRouteApi } from '@tanstack/react-router';
import { useEffect, useState, type FormEvent } from 'react';
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

  // A new code makes the typed one useless.
  useEffect(() => setCode(''), [props.resendAt]);

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
      session.signedIn(me);
      channel.post({ type: 'signed-in' });
      await router.invalidate();
      await router.navigate({ href: search.redirect ?? '/', replace: true });
    } catch (err) {
      fail(err, 'verify-code');
      setBusy(false);
    }
  }

  return (
    <>
      <form onSubmit={(e) => void onSubmit(e)} noValidate aria-busy={busy}>
        <h1>Check your email</h1>
        <p>
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
