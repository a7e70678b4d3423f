// Plain sentences for the API's problem codes. The switch is exhaustive over the contract's
// codes, so a new code does not compile until it has a sentence.
import { ApiError, type ClientErrorCode } from '../api/api-error';
import { createElement } from 'react';
import { alertMessage, type AlertMessage } from '../components/error-alert';
import { Countdown } from './countdown';

/** What the person was doing, where a code reads differently per step. */
export type Activity =
  | 'send-code'
  | 'verify-code'
  | 'load-session'
  | 'sign-out'
  | 'load-sessions'
  | 'end-session'
  | 'end-other-sessions';

/** What went wrong, per activity, when the API had no better word for it. */
function failed(activity: Activity): string {
  switch (activity) {
    case 'sign-out':
      return 'Signing out did not work. Try again.';
    case 'load-sessions':
      return 'We could not load your sessions. Try again.';
    case 'end-session':
      return 'Ending that session did not work. Try again.';
    case 'end-other-sessions':
      return 'Signing out of your other sessions did not work. Try again.';
    default:
      return 'Something went wrong on our side. Try again.';
  }
}

export function waitPhrase(seconds: number | undefined): string {
  if (seconds === undefined || seconds <= 0) return 'in a moment';
  if (seconds < 60) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
}

function sentence(code: ClientErrorCode, activity: Activity, retryAfterSeconds?: number): string {
  switch (code) {
    case 'validation_failed':
      if (activity === 'verify-code')
        return 'Enter the code from the email: digits only, as many as it has.';
      if (activity === 'send-code') return 'Enter your email address, like name@example.com.';
      return failed(activity);
    case 'invalid_code':
      return 'That code is not right. Check the email and try again.';
    case 'code_expired':
      return 'That code has expired. Ask for a new one with Resend code.';
    case 'too_many_attempts':
      // Past the address's budget the API locks it for minutes; before that, this is Auth0
      // killing a code after three wrong tries: only a new code helps.
      if (retryAfterSeconds && retryAfterSeconds > 60)
        return `Too many wrong codes for this address. Try again ${waitPhrase(retryAfterSeconds)}.`;
      return 'That code no longer works after three wrong tries. Ask for a new code with Resend code.';
    case 'rate_limited':
      return `Too many requests. Try again ${waitPhrase(retryAfterSeconds)}.`;
    case 'upstream_unavailable':
      return `Sign-in is unavailable right now. Try again ${waitPhrase(retryAfterSeconds)}.`;
    case 'shutting_down':
      return `Portcullis is restarting. Try again ${waitPhrase(retryAfterSeconds)}.`;
    case 'request_timeout':
      return 'The request took too long. Check your connection and try again.';
    case 'unauthenticated':
    case 'session_expired':
      return 'Your session has ended. Sign in again.';
    case 'not_eligible':
      return 'This account may no longer sign in.';
    case 'access_denied':
      return 'Sign-in was refused for this account.';
    case 'challenge_required':
      return 'We need to check this request. Reload the page and try again.';
    case 'csrf_rejected':
      return 'The request was refused for your security. Reload the page and try again.';
    case 'network_error':
      return 'We could not reach Portcullis. Check your connection and try again.';
    case 'not_found':
      // The only ids the SPA sends come from the sessions list: that one has ended since.
      return activity === 'end-session' ? 'That session has already ended.' : failed(activity);
    case 'reauthentication_required':
      return 'Confirm it is you: sign in again with a new code, then try again.';
    case 'insufficient_scope':
    case 'people_only':
    case 'unsupported_media_type':
    case 'payload_too_large':
    case 'method_not_allowed':
    case 'uri_too_long':
    case 'headers_too_large':
    case 'unexpected_response':
    case 'internal':
      return failed(activity);
  }
}

/**
 * The alert for an error, its wait counting down when it names seconds ("in 40 seconds");
 * `before` goes in front of the sentence ("Still unavailable. ").
 */
export function errorAlert(err: unknown, activity: Activity, before = ''): AlertMessage {
  const text = before + errorMessage(err, activity);
  const seconds = err instanceof ApiError ? err.retryAfterSeconds : undefined;
  if (!seconds || seconds >= 60) return alertMessage(text);
  const wait = { phrase: waitPhrase(seconds), until: Date.now() + seconds * 1000 };
  return alertMessage(text, createElement(Countdown, { text, wait }));
}

export function errorMessage(err: unknown, activity: Activity): string {
  if (err instanceof ApiError) return sentence(err.code, activity, err.retryAfterSeconds);
  return sentence('internal', activity);
}
