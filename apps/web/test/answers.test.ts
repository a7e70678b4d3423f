// The hand-written checks of answers.ts against the shared zod schemas they stand in for:
// for every sample, both accept or both refuse, so the SPA takes what the contract allows.
import {
  EmailSchema,
  MeResponseSchema,
  OtpCodeSchema,
  otpCodeSchema,
  ProblemSchema,
  SessionsResponseSchema,
  StartResponseSchema,
  ERROR_CODES,
  problem,
} from '@portcullis/shared';
import { describe, expect, it } from 'vitest';
import {
  codeFrom,
  emailFrom,
  isMeResponse,
  isProblem,
  isSessionsResponse,
  isStartResponse,
} from '../src/api/answers';
import { CURRENT_SESSION, meFor, otherSessions } from './fake-api';

type Schema = { safeParse(v: unknown): { success: boolean } };

function agree(check: (v: unknown) => boolean, schema: Schema, samples: unknown[]) {
  for (const sample of samples) {
    expect([JSON.stringify(sample), check(sample)]).toEqual([
      JSON.stringify(sample),
      schema.safeParse(sample).success,
    ]);
  }
}

/** The sample, with one field (a dotted path) replaced, or removed when `value` is absent. */
function without(sample: object, path: string, ...value: unknown[]): unknown {
  const copy = structuredClone(sample) as Record<string, unknown>;
  const keys = path.split('.');
  const last = keys.pop()!;
  const parent = keys.reduce((o, k) => o[k] as Record<string, unknown>, copy);
  if (value.length) parent[last] = value[0];
  else delete parent[last];
  return copy;
}

const NOT_OBJECTS = [null, undefined, 'x', 3, [], true];

describe('the checks of answers.ts agree with the shared schemas', () => {
  it('StartResponse', () => {
    const ok = { resendAfterSeconds: 30, expiresInSeconds: 180, codeLength: 6 };
    agree(isStartResponse, StartResponseSchema, [
      ok,
      { ...ok, extra: 1 },
      without(ok, 'resendAfterSeconds'),
      without(ok, 'expiresInSeconds', '180'),
      without(ok, 'codeLength', '6'),
      ...NOT_OBJECTS,
    ]);
  });

  it('MeResponse', () => {
    const ok = meFor();
    agree(isMeResponse, MeResponseSchema, [
      ok,
      without(ok, 'user.name'),
      without(ok, 'user.name', 3),
      without(ok, 'user.id'),
      without(ok, 'user.emailVerified', 'yes'),
      without(ok, 'eligibility.recordId'),
      without(ok, 'eligibility.Score__c', 4.5),
      without(ok, 'eligibility.Active__c', false),
      without(ok, 'eligibility.Notes__c', null),
      without(ok, 'eligibility.Nested__c', { a: 1 }),
      without(ok, 'eligibility.List__c', [1]),
      without(ok, 'eligibility', []),
      without(ok, 'session.expiresAt', 'tomorrow'),
      without(ok, 'session.expiresAt', '2030-01-01'),
      without(ok, 'session.absoluteExpiresAt', '2030-01-01T00:00:00+01:00'),
      without(ok, 'session.absoluteExpiresAt', '2030-01-01T00:00:00Z'),
      without(ok, 'session'),
      ...NOT_OBJECTS,
    ]);
  });

  it('SessionsResponse', () => {
    const ok = { sessions: [CURRENT_SESSION, ...otherSessions()] };
    agree(isSessionsResponse, SessionsResponseSchema, [
      ok,
      { sessions: [] },
      { sessions: [without(CURRENT_SESSION, 'current')] },
      { sessions: [without(CURRENT_SESSION, 'device', 1)] },
      { sessions: [without(CURRENT_SESSION, 'lastSeenAt', 'yesterday')] },
      { sessions: [CURRENT_SESSION, null] },
      { sessions: {} },
      ...NOT_OBJECTS,
    ]);
  });

  it('Problem, for every error code', () => {
    const samples: unknown[] = ERROR_CODES.map((code) => problem(code));
    const ok = problem('rate_limited', { retryAfterSeconds: 30, detail: 'Wait.' });
    samples.push(
      ok,
      problem('validation_failed', { errors: [{ path: 'email', message: 'no' }] }),
      without(ok, 'code', 'teapot'),
      without(ok, 'code', 'toString'),
      without(ok, 'retryAfterSeconds', '30'),
      without(ok, 'detail', 1),
      without(ok, 'title'),
      without(ok, 'status', '429'),
      ...NOT_OBJECTS,
    );
    agree(isProblem, ProblemSchema, samples);
  });

  it('an email address: the same address as the API takes, and plain typos refused', () => {
    const samples = [
      'ada.lovelace@example.com',
      '  Ada.Lovelace@Example.COM ',
      "o'brien+portcullis@mail.example.co.uk",
      `${'a'.repeat(240)}@example.com`,
      `${'a'.repeat(250)}@example.com`,
      'ada@',
      'ada@example',
      '@example.com',
      'ada@@example.com',
      'ada lovelace@example.com',
      'ada@example..com',
      '',
      '   ',
    ];
    for (const typed of samples) {
      const parsed = EmailSchema.safeParse(typed);
      expect([typed, emailFrom(typed)]).toEqual([typed, parsed.success ? parsed.data : undefined]);
    }
  });

  it('a code: as many digits as the start answer said, surrounding whitespace forgiven', () => {
    for (const typed of ['123456', ' 123456 ', '12345', '1234567', '12a456', '']) {
      const parsed = OtpCodeSchema.safeParse(typed);
      expect([typed, codeFrom(typed, 6)]).toEqual([
        typed,
        parsed.success ? parsed.data : undefined,
      ]);
    }
    for (const typed of ['12345678', ' 12345678 ', '123456', '1234567', '123456789', '1234a678']) {
      const parsed = otpCodeSchema(8).safeParse(typed);
      expect([typed, codeFrom(typed, 8)]).toEqual([
        typed,
        parsed.success ? parsed.data : undefined,
      ]);
    }
  });
});
