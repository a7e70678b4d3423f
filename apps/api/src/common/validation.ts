import type * as z from 'zod/mini';
import { DomainError } from './domain-error.js';

/** Parses a request body with a shared schema; a mismatch is 400 validation_failed. */
export function parseBody<S extends z.ZodMiniType>(schema: S, body: unknown): z.infer<S> {
  if (body === undefined || body === null) {
    throw new DomainError('validation_failed', 'Send a JSON body.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(body)',
    message:
      issue.code === 'unrecognized_keys'
        ? `unknown field(s): ${(issue as { keys?: string[] }).keys?.join(', ') ?? ''}`
        : issue.message,
  }));
  throw new DomainError(
    'validation_failed',
    errors.map((e) => `${e.path}: ${e.message}`).join('; '),
    { errors },
  );
}
