// The answers Fastify and Node would otherwise write on their own, before any hook of ours
// runs: a URL that does not decode or a path parameter over the length limit (Fastify's
// `frameworkErrors`), and malformed HTTP, headers too large or a request too slow to arrive
// (Node's `clientError`, handed to Fastify's `clientErrorHandler`). Each becomes problem+json
// with a stable code, the security headers and a request id of ours, like every other answer.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE, problem, type Problem } from '@portcullis/shared';
import type { FastifyError } from 'fastify';
import { classify } from '../common/problem.js';

/** The problem for an error Fastify raises before routing (`frameworkErrors`). */
export function frameworkProblem(err: FastifyError): Problem {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return problem('validation_failed', { detail: 'The URL is not valid.' });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return problem('uri_too_long');
    default:
      return classify(err).body;
  }
}

/**
 * The problem for a connection-level error (`clientError`), or undefined when there is
 * nobody to answer (the client reset the connection).
 */
export function clientErrorProblem(code: string | undefined): Problem | undefined {
  switch (code) {
    case 'ECONNRESET':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return problem('request_timeout', { detail: 'The request did not arrive in time.' });
    case 'HPE_HEADER_OVERFLOW':
      return problem('headers_too_large');
    default:
      return problem('validation_failed', { detail: 'The request is not valid HTTP.' });
  }
}

/** A whole HTTP/1.1 response carrying `body`, for writing straight to a socket. */
export function rawProblemResponse(body: Problem, headers: Record<string, string>): string {
  const json = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${body.status} ${STATUS_CODES[body.status] ?? 'Error'}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    `content-type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8`,
    'cache-control: no-store',
    'connection: close',
    `content-length: ${Buffer.byteLength(json)}`,
  ];
  return `${lines.join('\r\n')}\r\n\r\n${json}`;
}

/**
 * Answers a connection-level error on its socket and closes it, as Node itself would: only
 * when the socket is writable and no response has begun on it (the answer is flushed, then
 * the socket destroyed, so a client still trickling bytes cannot keep it open).
 */
export function answerClientError(
  err: { code?: string },
  socket: Socket,
  headers: Record<string, string>,
): Problem | undefined {
  if (socket.destroyed) return undefined;
  const body = clientErrorProblem(err.code);
  const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (body && socket.writable && !current?.headersSent) {
    socket.end(rawProblemResponse(body, headers), () => socket.destroy());
    return body;
  }
  socket.destroy();
  return undefined;
}
