// Turns anything thrown while handling a request into an RFC 9457 problem+json reply with
// a stable code. Unknown errors are logged (without request bodies) and become `internal`.
import { HttpException } from '@nestjs/common';
import { PROBLEM_CONTENT_TYPE, problem, type ErrorCode, type Problem } from '@portcullis/shared';
import type { FastifyReply } from 'fastify';
import { DomainError } from './domain-error.js';
import { numberField, stringField } from './error-fields.js';

/** Fastify's own error codes (body parsing and limits) mapped to ours. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
};

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'csrf_rejected',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'upstream_unavailable',
};

export interface Classified {
  body: Problem;
  /** True for errors we did not expect: log them with their stack. */
  unexpected: boolean;
}

export function classify(err: unknown): Classified {
  if (err instanceof DomainError) {
    return { body: problem(err.code, { detail: err.detail, ...err.extra }), unexpected: false };
  }
  const fastifyCode = stringField(err, 'code');
  if (fastifyCode !== undefined && Object.hasOwn(FASTIFY_CODES, fastifyCode)) {
    const code = FASTIFY_CODES[fastifyCode]!;
    const detail =
      code === 'unsupported_media_type'
        ? 'Send the body as application/json.'
        : code === 'payload_too_large'
          ? 'The request body is too large.'
          : 'The request body is not valid JSON.';
    return { body: problem(code, { detail }), unexpected: false };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = STATUS_CODES[status] ?? (status >= 500 ? 'internal' : 'validation_failed');
    return { body: problem(code), unexpected: status >= 500 };
  }
  const status = numberField(err, 'statusCode');
  if (status !== undefined && status >= 400 && status < 500 && STATUS_CODES[status]) {
    return { body: problem(STATUS_CODES[status]), unexpected: false };
  }
  return { body: problem('internal'), unexpected: true };
}

export function sendProblem(reply: FastifyReply, body: Problem): void {
  void reply
    .status(body.status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .header('cache-control', 'no-store');
  if (body.retryAfterSeconds !== undefined)
    void reply.header('retry-after', String(body.retryAfterSeconds));
  void reply.send(body);
}
