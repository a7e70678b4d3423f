// Request ids are always ours (a random UUID): the response's `x-request-id`, every log line
// and audit event name the request by an id no client chose. A caller's own `X-Request-Id`
// is only logged beside it, as `clientRequestId`, when it is harmless (short, plain
// characters), so traces can still be joined up; it is never echoed nor trusted.
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function newRequestId(): string {
  return randomUUID();
}

/** The caller's X-Request-Id when it is safe to log, else undefined. */
export function clientRequestId(headers: IncomingHttpHeaders): string | undefined {
  const given = headers['x-request-id'];
  return typeof given === 'string' && CLIENT_REQUEST_ID.test(given) ? given : undefined;
}
