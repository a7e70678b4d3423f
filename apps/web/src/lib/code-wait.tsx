// Waits on the code step: when a refused start still leaves the person on it, and the
// sentences that count down (the newest code's lifetime, the time until Resend code). Part
// of the code step's chunk (login-code-step.tsx), never of /login's first load.
import { useState, type ReactNode } from 'react';
import type { ApiError } from '../api/api-error';
import type { LoginProgress } from './login-progress';
import { useSecondsUntil } from './use-seconds-until';

/** "3 minutes", or "45 seconds" under a minute. */
export function duration(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

/**
 * How long the newest code still works, counting down on screen. Screen readers get the
 * sentence as it was when it appeared (the changing part is aria-hidden), not one a second.
 */
export function NewestCode({ expiresAt }: { expiresAt: number | undefined }) {
  const left = useSecondsUntil(expiresAt ?? 0);
  const [announced] = useState(() => duration(Math.ceil(((expiresAt ?? 0) - Date.now()) / 1000)));
  if (!expiresAt) return <>Your newest code still works.</>;
  if (left <= 0) return <>Your newest code has expired.</>;
  return (
    <>
      Your newest code still works for <span aria-hidden="true">{duration(left)}</span>
      <span className="visually-hidden">{announced}</span>.
    </>
  );
}

/**
 * When starting is refused with a wait, whether the person should be on the code step anyway:
 * a code went out to this address moments ago (before a reload, or in another tab), or the
 * hourly limit is reached and the newest code still works.
 */
export function stayOnCodeStep(
  err: ApiError,
  email: string,
  again: boolean,
  progress: LoginProgress | undefined,
): { progress: LoginProgress; status: ReactNode } | undefined {
  const wait = err.retryAfterSeconds;
  if (!wait || !(again || wait <= 60 || progress?.email === email)) return undefined;
  const same = progress?.email === email ? progress : undefined;
  const codeExpiresAt = same?.codeExpiresAt;
  return {
    progress: {
      email,
      expiresInSeconds: same?.expiresInSeconds ?? 180,
      codeLength: same?.codeLength ?? 6,
      resendAt: Date.now() + wait * 1000,
      codeExpiresAt,
    },
    status: again ? (
      <>
        You have asked for several codes. <NewestCode expiresAt={codeExpiresAt} />
      </>
    ) : (
      'We sent this address a code a moment ago: enter it here.'
    ),
  };
}
