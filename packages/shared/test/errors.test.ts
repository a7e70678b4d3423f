import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_TABLE, ProblemSchema, problem, statusOf } from '../src/index.js';

describe('error codes', () => {
  it('has a status and title for every code, with 4xx/5xx statuses only', () => {
    for (const code of ERROR_CODES) {
      const { status, title } = ERROR_TABLE[code];
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(600);
      expect(title.length).toBeGreaterThan(0);
    }
  });

  it('includes the codes the contract promises', () => {
    for (const code of [
      'validation_failed',
      'unsupported_media_type',
      'invalid_code',
      'code_expired',
      'too_many_attempts',
      'rate_limited',
      'unauthenticated',
      'session_expired',
      'not_eligible',
      'csrf_rejected',
      'upstream_unavailable',
      'internal',
    ]) {
      expect(ERROR_CODES).toContain(code);
    }
    expect(statusOf('rate_limited')).toBe(429);
    expect(statusOf('upstream_unavailable')).toBe(503);
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
