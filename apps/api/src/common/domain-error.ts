import type { ErrorCode } from '@portcullis/shared';

/**
 * An error the client may see: a stable code from the shared contract, an optional
 * sentence for `detail` (never upstream text, tokens or codes) and extra problem fields.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail?: string,
    readonly extra: {
      retryAfterSeconds?: number;
      errors?: Array<{ path: string; message: string }>;
    } = {},
    options?: { cause?: unknown },
  ) {
    super(detail ?? code, options);
    this.name = 'DomainError';
  }
}
