// Request and response bodies of the HTTP contract (README, "The API"). Written with
// `zod/mini` so the SPA ships a small validator; the API uses the same schemas.
import * as z from 'zod/mini';

export const EMAIL_MAX_LENGTH = 254;

// Control characters (C0, DEL, C1) and the backslash are refused outright: the address ends
// up in a SOQL string literal and in logs, and no deliverable address needs them.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_IN_EMAIL = /[\u0000-\u001f\u007f-\u009f\\]/;
// One @, a non-empty local part, a domain of dot-separated labels. Deliberately loose on the
// local part (quotes, plus signs, apostrophes are real); Auth0 has the final word.
// Unpaired UTF-16 surrogates are not text: they cannot be encoded in a URL or sent on.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const EMAIL_SHAPE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

/** An email address as the API accepts it: a string, trimmed and lower-cased, ≤ 254 chars. */
export const EmailSchema = z.string({ error: 'email must be a string' }).check(
  z.trim(),
  z.toLowerCase(),
  z.minLength(1, 'email is required'),
  z.maxLength(EMAIL_MAX_LENGTH, `email must be at most ${EMAIL_MAX_LENGTH} characters`),
  z.refine(
    (s) => !FORBIDDEN_IN_EMAIL.test(s),
    'email must not contain control characters or backslashes',
  ),
  z.refine((s) => !LONE_SURROGATE.test(s), 'email must be well-formed Unicode'),
  z.refine((s) => EMAIL_SHAPE.test(s), 'email is not an email address'),
);

/** Digits in the code Auth0 sends by default; tenants can change it (the API's OTP_LENGTH). */
export const DEFAULT_OTP_LENGTH = 6;

/**
 * The one-time code Auth0 sends: `length` digits (the tenant's setting; Auth0's default is
 * six). Surrounding whitespace is forgiven.
 */
export function otpCodeSchema(length: number = DEFAULT_OTP_LENGTH) {
  const digits = length === DEFAULT_OTP_LENGTH ? 'six' : String(length);
  return z
    .string({ error: 'code must be a string' })
    .check(z.trim(), z.regex(new RegExp(`^[0-9]{${length}}$`), `code must be ${digits} digits`));
}

/** The one-time code at Auth0's default length (six digits). */
export const OtpCodeSchema = otpCodeSchema();

/** Longest `proof` accepted: an ALTCHA payload is about 600 characters. */
export const PROOF_MAX_LENGTH = 4096;

/**
 * A solved flood challenge (a 428 `challenge_required` problem carries the challenge): the
 * base64 of the JSON `{ challenge, solution }`, as ALTCHA's solvers produce it.
 */
export const ProofSchema = z
  .string({ error: 'proof must be a string' })
  .check(
    z.minLength(1, 'proof must not be empty'),
    z.maxLength(PROOF_MAX_LENGTH, `proof must be at most ${PROOF_MAX_LENGTH} characters`),
  );

export const StartRequestSchema = z.strictObject({
  email: EmailSchema,
  proof: z.optional(ProofSchema),
});
export type StartRequest = z.infer<typeof StartRequestSchema>;

export const StartResponseSchema = z.object({
  resendAfterSeconds: z.number(),
  expiresInSeconds: z.number(),
  /** How many digits the code has (the API's OTP_LENGTH, in step with the Auth0 tenant). */
  codeLength: z.number(),
});
export type StartResponse = z.infer<typeof StartResponseSchema>;

/** The verify body for codes of `length` digits (the API's OTP_LENGTH). */
export const verifyRequestSchema = (length: number = DEFAULT_OTP_LENGTH) =>
  z.strictObject({ email: EmailSchema, code: otpCodeSchema(length) });

export const VerifyRequestSchema = verifyRequestSchema();
export type VerifyRequest = z.infer<typeof VerifyRequestSchema>;

const IsoDateTime = z.iso.datetime();

/** Values of the eligibility record's configured fields, as Salesforce returns them. */
export const EligibilityValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const MeResponseSchema = z.object({
  user: z.object({
    id: z.string(),
    email: z.string(),
    emailVerified: z.boolean(),
    name: z.optional(z.string()),
  }),
  eligibility: z.catchall(z.object({ recordId: z.string() }), EligibilityValueSchema),
  session: z.object({
    expiresAt: IsoDateTime,
    absoluteExpiresAt: IsoDateTime,
  }),
});
export type MeResponse = z.infer<typeof MeResponseSchema>;

/** One of the signed-in person's sessions (GET /api/sessions). `id` is a public handle. */
export const SessionSummarySchema = z.object({
  id: z.string(),
  createdAt: IsoDateTime,
  lastSeenAt: IsoDateTime,
  expiresAt: IsoDateTime,
  device: z.string(),
  current: z.boolean(),
});
export type SessionSummary = z.infer<typeof SessionSummarySchema>;

export const SessionsResponseSchema = z.object({ sessions: z.array(SessionSummarySchema) });
export type SessionsResponse = z.infer<typeof SessionsResponseSchema>;

/** An upstream's own report of a quota it counts (Salesforce: `Sforce-Limit-Info`). */
export const ApiUsageSchema = z.object({
  used: z.number(),
  max: z.number(),
  /** used / max: 1 is spent. */
  ratio: z.number(),
  reportedAt: IsoDateTime,
});

export const DependencyStatusSchema = z.object({
  status: z.enum(['up', 'down']),
  latencyMs: z.optional(z.number()),
  detail: z.optional(z.string()),
  /** Salesforce only: the org's 24 h API allocation as last reported, once known. */
  apiUsage: z.optional(ApiUsageSchema),
});

export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), DependencyStatusSchema),
});
export type HealthResponse = z.infer<typeof HealthResponseSchema>;

/** GET /api/health/live: the process answers. */
export const LiveResponseSchema = z.object({ status: z.literal('ok') });
export type LiveResponse = z.infer<typeof LiveResponseSchema>;

/**
 * GET /api/greeting, the example guarded module (apps/api/src/example): a person is named by
 * their Auth0 user id, a service (a client-credentials token) by its client id.
 */
export const GreetingResponseSchema = z.union([
  z.object({ message: z.string(), userId: z.string() }),
  z.object({ message: z.string(), clientId: z.string() }),
]);
export type GreetingResponse = z.infer<typeof GreetingResponseSchema>;

/** POST /api/greeting/orders: the example's state-changing route (fresh eligibility). */
export const GreetingOrderRequestSchema = z.strictObject({
  text: z
    .string({ error: 'text must be a string' })
    .check(
      z.trim(),
      z.minLength(1, 'text is required'),
      z.maxLength(200, 'text must be at most 200 characters'),
    ),
});
export type GreetingOrderRequest = z.infer<typeof GreetingOrderRequestSchema>;

export const GreetingOrderSchema = z.object({
  id: z.string(),
  text: z.string(),
  userId: z.string(),
  /** When Salesforce last confirmed the person's eligibility: at most seconds before this order. */
  eligibilityCheckedAt: IsoDateTime,
  placedAt: IsoDateTime,
});
export type GreetingOrder = z.infer<typeof GreetingOrderSchema>;
