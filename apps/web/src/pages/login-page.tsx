// Sign-in in two steps: an email address, then the 6-digit code Auth0 emailed. The second
// step looks the same whether or not the address may sign in: the page never says which.
import { ApiError } from '../api/api-error';
import { loadContract } from '../api/contract';
import { getRouteApi } from '@tanstack/react-router';
import { lazy, Suspense, useEffect, useId, useState, type FormEvent } from 'react';
import { alertMessage, ErrorAlert, type AlertMessage } from '../components/error-alert';
import { errorMessage } from '../lib/messages';
import type { SignedOutReason } from '../session/session-cache';

const route = getRouteApi('/login');

const REASONS: Record<SignedOutReason, string | undefined> = {
  unauthenticated: undefined,
  session_expired: 'Your session has ended. Sign in again to continue.',
  not_eligible: 'This account may no longer sign in.',
  signed_out: 'You have signed out.',
};

export type Activity = 'send-code' | 'verify-code';

type Step = { kind: 'email' } | { kind: 'code'; email: string; expiresInSeconds: number };

// The code step is not needed to paint /login: its own chunk, fetched when an address is
// sent (alongside the start request, so it is there when the answer is).
const loadCodeStep = () => import('./login-code-step');
const CodeStep = lazy(loadCodeStep);

export function LoginPage() {
  const { api } = route.useRouteContext();
  const search = route.useSearch();
  const [step, setStep] = useState<Step>({ kind: 'email' });
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AlertMessage | null>(null);
  const [status, setStatus] = useState(search.reason ? (REASONS[search.reason] ?? '') : '');
  const [resendAt, setResendAt] = useState(0);
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

  function fail(err: unknown, activity: Activity) {
    setError(alertMessage(errorMessage(err, activity)));
  }

  /** The schemas, or undefined once the person has been told they could not be fetched. */
  function contract(activity: Activity) {
    return loadContract().catch(() => fail(new ApiError('network_error', 0), activity));
  }

  async function sendCode(address: string, again: boolean) {
    void loadCodeStep().catch(() => undefined);
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      // Under a flood the API asks for a proof of work first (see flood-challenge.ts).
      const started = await api.start(address, () => setStatus('Checking your browser…'));
      setStep({ kind: 'code', email: address, expiresInSeconds: started.expiresInSeconds });
      setResendAt(Date.now() + started.resendAfterSeconds * 1000);
      setStatus(again ? 'We sent a new code. Only the newest code works.' : '');
    } catch (err) {
      setStatus('');
      fail(err, 'send-code');
    } finally {
      setBusy(false);
    }
  }

  async function onSubmitEmail(event: FormEvent) {
    event.preventDefault();
    const schemas = await contract('send-code');
    if (!schemas) return;
    const parsed = schemas.EmailSchema.safeParse(email);
    if (!parsed.success) {
      setError(alertMessage('Enter your email address, like name@example.com.'));
      return;
    }
    void sendCode(parsed.data, false);
  }

  function changeEmail() {
    setStep({ kind: 'email' });
    setError(null);
    setStatus('');
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
        <Suspense fallback={null}>
          <CodeStep
            email={step.email}
            expiresInSeconds={step.expiresInSeconds}
            resendAt={resendAt}
            ids={ids}
            busy={busy}
            setBusy={setBusy}
            error={error}
            setError={setError}
            setStatus={setStatus}
            fail={fail}
            contract={contract}
            resend={() => void sendCode(step.email, true)}
            changeEmail={changeEmail}
          />
        </Suspense>
      )}
      <p role="status" className="status">
        {status}
      </p>
    </main>
  );
}
