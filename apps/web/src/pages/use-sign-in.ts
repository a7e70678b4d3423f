// The state the two steps of /login share: which step (?step=code in the URL, the address
// and timings in sessionStorage, so a reload or Back/Forward keeps it), the request in
// flight, the error shown and the status line, and sending a code.
import { getRouteApi } from '@tanstack/react-router';
import { useEffect, useState, type ReactNode } from 'react';
import { ApiError } from '../api/api-error';
import { alertMessage, type AlertMessage } from '../components/error-alert';
import type { Activity } from '../lib/messages';
import { readProgress, saveProgress, type LoginProgress } from '../lib/login-progress';
import type { SignedOutReason } from '../session/session-cache';

const route = getRouteApi('/login');

const REASONS: Record<SignedOutReason, string | undefined> = {
  unauthenticated: undefined,
  session_expired: 'Your session has ended. Sign in again to continue.',
  not_eligible: 'This account may no longer sign in.',
  signed_out: 'You have signed out.',
};

// The code step is not needed to paint /login: its own chunk, fetched when an address is
// sent (alongside the start request, so it is there when the answer is).
export const loadCodeStep = () => import('./login-code-step');

export function useSignIn() {
  const { api } = route.useRouteContext();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const [progress, setProgress] = useState(readProgress);
  const [email, setEmail] = useState(() => progress?.email ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AlertMessage | null>(null);
  const [status, setStatus] = useState<ReactNode>(
    search.reason ? (REASONS[search.reason] ?? '') : '',
  );

  // A slow answer (Auth0 or Salesforce taking seconds) says so after one second.
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    setSlow(false);
    if (!busy) return;
    const timer = setTimeout(() => setSlow(true), 1000);
    return () => clearTimeout(timer);
  }, [busy]);

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

  function toCodeStep(next: LoginProgress) {
    saveProgress(next);
    setProgress(next);
    if (search.step !== 'code') void navigate({ search: { ...search, step: 'code' } });
  }

  async function sendCode(address: string, again: boolean) {
    void loadCodeStep().catch(() => undefined);
    setBusy(true);
    setError(null);
    setStatus('');
    try {
      // Under a flood the API asks for a proof of work first (see flood-challenge.ts).
      const started = await api.start(address, () => setStatus('Checking your browser…'));
      const now = Date.now();
      toCodeStep({
        email: address,
        expiresInSeconds: started.expiresInSeconds,
        codeLength: started.codeLength,
        resendAt: now + started.resendAfterSeconds * 1000,
        codeExpiresAt: now + started.expiresInSeconds * 1000,
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

  function changeEmail() {
    void navigate({ search: { ...search, step: undefined } });
    setError(null);
    setStatus('');
  }

  return {
    /** The code step's address and timings, or undefined on the email step. */
    step: search.step === 'code' ? progress : undefined,
    email,
    setEmail,
    busy,
    setBusy,
    error,
    setError,
    status,
    setStatus,
    slow,
    fail,
    sendCode,
    changeEmail,
  };
}

export type SignIn = ReturnType<typeof useSignIn>;
