import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_TABLE, ProblemSchema, problem, statusOf } from '../src/index.js';
import type { ErrorCode } from '../src/index.js';

describe('error codes', () => {
  it('has a status and title for every code, with 4xx/5xx statuses only', () => {
    for (const code of ERROR_CODES) {
      const { status, title } = ERROR_TABLE[code];
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(title.length).toBeGreaterThan(0);
    }
  });

  it('sends the codes the contract promises with their statuses', () => {
    const promised: ReadonlyArray<readonly [ErrorCode, number]> = [
      ['validation_failed', 400],
      ['unsupported_media_type', 415],
      ['invalid_code', 401],
      ['code_expired', 401],
      ['too_many_attempts', 429],
      ['rate_limited', 429],
      ['unauthenticated', 401],
      ['session_expired', 401],
      ['not_eligible', 403],
      ['csrf_rejected', 403],
      ['insufficient_scope', 403],
      ['people_only', 403],
      ['reauthentication_required', 401],
      ['upstream_unavailable', 503],
      ['internal', 500],
    ];
    for (const [code, status] of promised) {
      expect(ERROR_CODES).toContain(code);
      expect(statusOf(code)).toBe(status);
      expect(ProblemSchema.parse(problem(code))).toMatchObject({ code, status });
    }
  });

  it('builds problem bodies that parse back', () => {
    const body = problem('rate_limited', { retryAfterSeconds: 30 });
    expect(body).toEqual({
      type: 'urn:portcullis:problem:rate_limited',
      title: 'Too many requests.',
      status: 429,
      code: 'rate_limited',
      retryAfterSeconds: 30,
    });
    expect(ProblemSchema.parse(JSON.parse(JSON.stringify(body)))).toEqual(body);
  });

  it('refuses a problem body with an unknown code', () => {
    expect(ProblemSchema.safeParse({ ...problem('internal'), code: 'teapot' }).success).toBe(false);
  });
});
