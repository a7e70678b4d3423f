// Plain sentences for the API's problem codes. The switch is exhaustive over the contract's
// codes, so a new code does not compile until it has a sentence.
import { ApiError, type ClientErrorCode } from '../api/api-error';

/** What the person was doing, where a code reads differently per step. */
export type Activity = 'send-code' | 'verify-code' | 'load-session' | 'sign-out';

export function waitPhrase(seconds: number | undefined): string {
  if (seconds === undefined || seconds <= 0) return 'in a moment';
  if (seconds < 60) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function sentence(code: ClientErrorCode, activity: Activity, retryAfterSeconds?: number): string {
  switch (code) {
    case 'validation_failed':
      return activity === 'verify-code'
        ? 'Enter the 6-digit code from the email.'
        : 'Enter your email address, like name@example.com.';
    case 'invalid_code':
      return 'That code is not right. Check the email and try again.';
    case 'code_expired':
      return 'That code has expired. Ask for a new one with Resend code.';
    case 'too_many_attempts':
      return `Too many wrong codes. Try again ${waitPhrase(retryAfterSeconds)}.`;
    case 'rate_limited':
      return `Too many requests. Try again ${waitPhrase(retryAfterSeconds)}.`;
    case 'upstream_unavailable':
      return `Sign-in is unavailable right now. Try again ${waitPhrase(retryAfterSeconds)}.`;
    case 'unauthenticated':
    case 'session_expired':
      return 'Your session has ended. Sign in again.';
    case 'not_eligible':
      return 'This account may no longer sign in.';
    case 'csrf_rejected':
      return 'The request was refused for your security. Reload the page and try again.';
    case 'network_error':
      return 'We could not reach Portcullis. Check your connection and try again.';
    case 'unsupported_media_type':
    case 'payload_too_large':
    case 'not_found':
    case 'method_not_allowed':
    case 'unexpected_response':
    case 'internal':
      return activity === 'sign-out'
        ? 'Signing out did not work. Try again.'
        : 'Something went wrong on our side. Try again.';
  }
}

export function errorMessage(err: unknown, activity: Activity): string {
  if (err instanceof ApiError) return sentence(err.code, activity, err.retryAfterSeconds);
  return sentence('internal', activity);
}
