// Sign-in in two steps: an email address, then the 6-digit code Auth0 emailed. The second
// step looks the same whether or not the address may sign in: the page never says which.
import { ApiError } from '../api/api-error';
import { loadContract } from '../api/contract';
import { getRouteApi } from '@tanstack/react-router';
import { lazy, Suspense, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { alertMessage, ErrorAlert, type AlertMessage } from '../components/error-alert';
import { readProgress, saveProgress, type LoginProgress } from '../lib/login-progress';
import { usePage } from '../lib/page';
import type { SignedOutReason } from '../session/session-cache';

const route = getRouteApi('/login');

const REASONS: Record<SignedOutReason, string | undefined> = {
  unauthenticated: undefined,
  session_expired: 'Your session has ended. Sign in again to continue.',
  not_eligible: 'This account may no longer sign in.',
  signed_out: 'You have signed out.',
};

export type Activity = 'send-code' | 'verify-code';

// The code step is not needed to paint /login: its own chunk, fetched when an address is
// sent (alongside the start request, so it is there when the answer is).
const loadCodeStep = () => import('./login-code-step');
const CodeStep = lazy(loadCodeStep);

export function LoginPage() {
  const { api } = route.useRouteContext();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  // The step is in the URL (?step=code, so Back and Forward move between the steps); the
  // address and timings in sessionStorage (so a reload stays on the code step).
  const [progress, setProgress] = useState(readProgress);
  const step = search.step === 'code' ? progress : undefined;
  const [email, setEmail] = useState(() => progress?.email ?? '');
  const emailRef = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AlertMessage | null>(null);
  const [status, setStatus] = useState(search.reason ? (REASONS[search.reason] ?? '') : '');
  const ids = useId();
  const errorId = `${ids}-error`;
  usePage(step ? 'Check your email' : 'Sign in');

  // A slow answer (Auth0 or Salesforce taking seconds) says so after one second.
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    setSlow(false);
    if (!busy) return;
    const timer = setTimeout(() => setSlow(true), 1000);
    return () => clearTimeout(timer);
  }, [busy]);

  // Errors on this step are about the address: focus stays in the field, which the alert
  // describes, so correcting it needs no Shift+Tab.
  useEffect(() => {
    if (error && !step) emailRef.current?.focus();
  }, [error, step]);

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

  // The sentences for problem codes are a chunk of their own, fetched on the first error, to
  // keep /login's first load small. If even that fails, the network is the likely cause.
  function fail(err: unknown, activity: Activity) {
    void import('../lib/messages')
      .then(
        (m) => m.errorAlert(err, activity),
        () => alertMessage('We could not reach Portcullis. Check your connection and try again.'),
      )
      .then(setError);
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
      toCodeStep({
        email: address,
        expiresInSeconds: started.expiresInSeconds,
        resendAt: Date.now() + started.resendAfterSeconds * 1000,
      });
      setStatus(again ? 'We sent a new code. Only the newest code works.' : '');
    } catch (err) {
      setStatus('');
      // A wait for this address: stay on (or go to) the code step (see stayOnCodeStep).
      const stay =
        err instanceof ApiError && err.code === 'rate_limited'
          ? (await loadCodeStep()).stayOnCodeStep(err, address, again, progress)
          : undefined;
      if (stay) {
        toCodeStep(stay.progress);
        setStatus(stay.status);
        return;
      }
      fail(err, 'send-code');
    } finally {
      setBusy(false);
    }
  }

  function toCodeStep(next: LoginProgress) {
    saveProgress(next);
    setProgress(next);
    if (search.step !== 'code') void navigate({ search: { ...search, step: 'code' } });
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
    void navigate({ search: { ...search, step: undefined } });
    setError(null);
    setStatus('');
  }

  return (
    <main className="page narrow">
      <p className="brand">Portcullis</p>
      {!step ? (
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
            ref={emailRef}
            value={email}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => setEmail(e.target.value)}
          />
          <ErrorAlert message={error} id={errorId} focus={false} />
          <button type="submit" disabled={busy}>
            Send code
          </button>
        </form>
      ) : (
        <Suspense fallback={null}>
          <CodeStep
            email={step.email}
            expiresInSeconds={step.expiresInSeconds}
            resendAt={step.resendAt}
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
        {status || (slow ? (step ? 'Signing you in…' : 'Sending your code…') : '')}
      </p>
    </main>
  );
}
