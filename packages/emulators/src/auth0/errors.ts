// How the Auth0 emulator says no: Auth0's `{ error, error_description }` bodies, for refusals
// the handlers throw and for injected faults.
import { sendJson, type FaultSpec, type Res, type RouteContext } from '../core/index.js';

/** An error answered in Auth0's shape: `{ error, error_description }`. */
export class Auth0Error extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

export const typeName = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;

export function sendAuth0Error(res: Res, err: Auth0Error): void {
  sendJson(res, err.status, { error: err.error, error_description: err.description }, err.headers);
}

/** A refusal of a request; one answered before its body was read closes rather than drains it. */
export function refuse(ctx: RouteContext, err: Auth0Error): void {
  if (!ctx.req.complete) ctx.res.setHeader('connection', 'close');
  sendAuth0Error(ctx.res, err);
}

/**
 * Auth0's answer to a blocked user at the token endpoint: 401 `unauthorized` "user is blocked"
 * (Authentication API errors for /oauth/token; the same `error_description` Auth0 puts in the
 * redirect of a blocked user's login, https://auth0.com/docs/manage-users/user-accounts/block-and-unblock-users).
 */
export const blockedUser = () => new Auth0Error(401, 'unauthorized', 'user is blocked');

/**
 * Auth0-shaped bodies for injected faults. Rate limiting answers 429 `too_many_requests`
 * with only the headers Auth0 documents: `x-ratelimit-limit`, `x-ratelimit-remaining` and
 * `x-ratelimit-reset` (epoch seconds when the bucket refills); Auth0 does not document
 * `Retry-After`, so the emulator does not send one
 * (https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy).
 * Other statuses get the OAuth error code closest to them
 * (https://auth0.com/docs/api/authentication#standard-error-responses).
 */
export function faultError(status: number, nowMs: number, spec: FaultSpec = {}): Auth0Error {
  const base = faultDefault(status, nowMs);
  // A named error (e.g. 403 mfa_required, 429 too_many_attempts) keeps the status's headers.
  return spec.error
    ? new Auth0Error(status, spec.error, spec.description ?? base.description, base.headers)
    : base;
}

function faultDefault(status: number, nowMs: number): Auth0Error {
  switch (status) {
    case 429: {
      const retryAfter = 30;
      return new Auth0Error(429, 'too_many_requests', 'Too Many Requests', {
        'x-ratelimit-limit': '50',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Math.ceil(nowMs / 1000) + retryAfter),
      });
    }
    case 503:
      return new Auth0Error(
        503,
        'temporarily_unavailable',
        'The service is temporarily unavailable. Please try again later.',
      );
    case 401:
      return new Auth0Error(401, 'access_denied', 'Unauthorized');
    case 403:
      return new Auth0Error(403, 'access_denied', 'Forbidden');
    case 404:
      return new Auth0Error(404, 'not_found', 'Not Found');
    default:
      return status >= 500
        ? new Auth0Error(status, 'server_error', 'Internal Server Error')
        : new Auth0Error(status, 'invalid_request', 'Bad Request');
  }
}
