// What the SPA reads from the API, and what a person types, checked by hand. The shared zod
// schemas (packages/shared) remain the contract; these checks accept what they accept for the
// fields the SPA uses (test/answers.test.ts holds them to the schemas). Why not the schemas
// themselves: zod is 8 kB gzip, more than /login's first load has room for (README, "Size").
import type {
  ErrorCode,
  MeResponse,
  Problem,
  SessionSummary,
  SessionsResponse,
  StartResponse,
} from '@portcullis/shared';

// Not imported from @portcullis/shared: any value from it brings zod along.
const EMAIL_MAX_LENGTH = 254;
/** The contract's error codes: `satisfies` fails to compile when one is missing or extra. */
const ERROR_CODES = {
  validation_failed: 1,
  unsupported_media_type: 1,
  payload_too_large: 1,
  not_found: 1,
  method_not_allowed: 1,
  request_timeout: 1,
  uri_too_long: 1,
  headers_too_large: 1,
  invalid_code: 1,
  code_expired: 1,
  too_many_attempts: 1,
  rate_limited: 1,
  unauthenticated: 1,
  session_expired: 1,
  not_eligible: 1,
  access_denied: 1,
  insufficient_scope: 1,
  people_only: 1,
  reauthentication_required: 1,
  challenge_required: 1,
  csrf_rejected: 1,
  upstream_unavailable: 1,
  shutting_down: 1,
  internal: 1,
} satisfies Record<ErrorCode, 1>;

export type Check<T> = (value: unknown) => value is T;
type Test = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown) => typeof v === 'string';
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isBoolean = (v: unknown) => typeof v === 'boolean';
const optional = (test: Test) => (v: unknown) => v === undefined || test(v);
const isDateTime = (v: unknown) =>
  isString(v) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(v);

/** An object whose every field passes its test; the type makes a test per field mandatory. */
function shape<T>(tests: { [K in keyof T]-?: Test }): Check<T> {
  return (v): v is T =>
    isObject(v) && Object.entries(tests).every(([key, test]) => (test as Test)(v[key]));
}

export const isStartResponse = shape<StartResponse>({
  resendAfterSeconds: isNumber,
  expiresInSeconds: isNumber,
  codeLength: isNumber,
});

export const isMeResponse = shape<MeResponse>({
  user: shape<MeResponse['user']>({
    id: isString,
    email: isString,
    emailVerified: isBoolean,
    name: optional(isString),
  }),
  // The record's id, and whatever fields are configured: strings, numbers, booleans or null.
  eligibility: (v) =>
    isObject(v) &&
    isString(v.recordId) &&
    Object.values(v).every((f) => f === null || isString(f) || isNumber(f) || isBoolean(f)),
  session: shape<MeResponse['session']>({ expiresAt: isDateTime, absoluteExpiresAt: isDateTime }),
});

const isSession = shape<SessionSummary>({
  id: isString,
  createdAt: isDateTime,
  lastSeenAt: isDateTime,
  expiresAt: isDateTime,
  device: isString,
  current: isBoolean,
});

export const isSessionsResponse = shape<SessionsResponse>({
  sessions: (v) => Array.isArray(v) && v.every(isSession),
});

/** A problem+json body, as far as the SPA reads it (its `errors` list is not shown). */
export const isProblem = shape<Problem>({
  type: isString,
  title: isString,
  status: isNumber,
  code: (v) => isString(v) && Object.hasOwn(ERROR_CODES, v),
  detail: optional(isString),
  retryAfterSeconds: optional(isNumber),
  errors: () => true,
});

/**
 * The address as the API will take it (trimmed, lower-cased), or undefined when it is plainly
 * not one: one @, a domain of dot-separated labels, at most 254 characters. The API refuses
 * the rest (control characters, broken Unicode) with the same sentence.
 */
export function emailFrom(typed: string): string | undefined {
  const email = typed.trim().toLowerCase();
  return email.length <= EMAIL_MAX_LENGTH && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(email)
    ? email
    : undefined;
}

/** The code of `length` digits, surrounding whitespace forgiven, or undefined. */
export function codeFrom(typed: string, length: number): string | undefined {
  const code = typed.trim();
  return code.length === length && /^[0-9]+$/.test(code) ? code : undefined;
}
