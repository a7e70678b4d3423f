import type { ErrorCode } from '@portcullis/shared';

/**
 * The contract's codes, plus two the client adds itself: the request got no answer
 * (`network_error`), or the answer did not match the contract (`unexpected_response`).
 */
export type ClientErrorCode = ErrorCode | 'network_error' | 'unexpected_response';

/** A failed API call. `switch (err.code)` over `ClientErrorCode` is exhaustive. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ClientErrorCode,
    /** HTTP status; 0 when there was no answer. */
    readonly status: number,
    /** From the problem body, or the Retry-After header. */
    readonly retryAfterSeconds?: number,
    /** With `challenge_required`: the proof-of-work challenge, as the API sent it. */
    readonly challenge?: unknown,
  ) {
    super(`API error ${status} ${code}`);
  }
}

export function isApiError(err: unknown, ...codes: ClientErrorCode[]): err is ApiError {
  return err instanceof ApiError && (codes.length === 0 || codes.includes(err.code));
}
