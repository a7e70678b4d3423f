// The stable error codes of the HTTP contract, their HTTP status and title, and the
// problem+json body (RFC 9457) every error response carries. The API maps its domain
// errors through this table; the SPA parses error bodies back with `ProblemSchema`.
import * as z from 'zod/mini';

export const ERROR_CODES = [
  'validation_failed',
  'unsupported_media_type',
  'payload_too_large',
  'not_found',
  'method_not_allowed',
  'request_timeout',
  'uri_too_long',
  'headers_too_large',
  'invalid_code',
  'code_expired',
  'too_many_attempts',
  'rate_limited',
  'unauthenticated',
  'session_expired',
  'not_eligible',
  'access_denied',
  'insufficient_scope',
  'people_only',
  'reauthentication_required',
  'challenge_required',
  'csrf_rejected',
  'upstream_unavailable',
  'shutting_down',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorCodeSchema = z.enum(ERROR_CODES);

interface ErrorInfo {
  status: number;
  title: string;
}

/** One row per code: the status it is sent with and a human title (never varies per request). */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorInfo>> = {
  validation_failed: { status: 400, title: 'The request is not valid.' },
  unsupported_media_type: { status: 415, title: 'The request body must be JSON.' },
  payload_too_large: { status: 413, title: 'The request body is too large.' },
  not_found: { status: 404, title: 'There is nothing here.' },
  method_not_allowed: { status: 405, title: 'This method is not allowed here.' },
  request_timeout: { status: 408, title: 'The request took too long to arrive.' },
  uri_too_long: { status: 414, title: 'The URL is too long.' },
  headers_too_large: { status: 431, title: 'The request headers are too large.' },
  invalid_code: { status: 401, title: 'The code is not correct.' },
  code_expired: { status: 401, title: 'The code has expired.' },
  too_many_attempts: { status: 429, title: 'Too many wrong codes.' },
  rate_limited: { status: 429, title: 'Too many requests.' },
  unauthenticated: { status: 401, title: 'You are not signed in.' },
  session_expired: { status: 401, title: 'Your session has expired.' },
  not_eligible: { status: 403, title: 'This account may no longer sign in.' },
  access_denied: { status: 403, title: 'Sign-in was refused for this account.' },
  insufficient_scope: { status: 403, title: 'The token lacks a scope this route needs.' },
  people_only: { status: 403, title: 'Only people may call this route, not services.' },
  reauthentication_required: { status: 401, title: 'Sign in again to continue.' },
  challenge_required: { status: 428, title: 'Solve the challenge to continue.' },
  csrf_rejected: { status: 403, title: 'Cross-site request refused.' },
  upstream_unavailable: { status: 503, title: 'A service we depend on is unavailable.' },
  shutting_down: { status: 503, title: 'This server is restarting. Try again.' },
  internal: { status: 500, title: 'Something went wrong on our side.' },
};

export function statusOf(code: ErrorCode): number {
  return ERROR_TABLE[code].status;
}

/** Problem type URIs are URNs: stable identifiers that are never dereferenced. */
export function problemType(code: ErrorCode): string {
  return `urn:portcullis:problem:${code}`;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const ProblemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  code: ErrorCodeSchema,
  detail: z.optional(z.string()),
  retryAfterSeconds: z.optional(z.number()),
  /** Which fields of the request were wrong, for `validation_failed`. */
  errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))),
});

export type Problem = z.infer<typeof ProblemSchema>;

export function problem(
  code: ErrorCode,
  extra: { detail?: string; retryAfterSeconds?: number; errors?: Problem['errors'] } = {},
): Problem {
  const { status, title } = ERROR_TABLE[code];
  const body: Problem = { type: problemType(code), title, status, code };
  if (extra.detail !== undefined) body.detail = extra.detail;
  if (extra.retryAfterSeconds !== undefined) body.retryAfterSeconds = extra.retryAfterSeconds;
  if (extra.errors !== undefined) body.errors = extra.errors;
  return body;
}
