import { Socket } from 'node:net';
import { ProblemSchema } from '@portcullis/shared';
import type { FastifyError } from 'fastify';
import {
  answerClientError,
  clientErrorProblem,
  frameworkProblem,
  rawProblemResponse,
} from './framework-errors.js';

const fastifyError = (code: string) => Object.assign(new Error(code), { code }) as FastifyError;

describe('framework errors', () => {
  it.each([
    ['FST_ERR_BAD_URL', 400, 'validation_failed'],
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 'uri_too_long'],
    ['FST_ERR_ASYNC_CONSTRAINT', 500, 'internal'],
  ])('maps Fastify %s to %i %s', (code, status, ours) => {
    expect(frameworkProblem(fastifyError(code))).toMatchObject({ status, code: ours });
  });

  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['HPE_INVALID_METHOD', 400, 'validation_failed'],
    ['HPE_INVALID_CONTENT_LENGTH', 400, 'validation_failed'],
    [undefined, 400, 'validation_failed'],
  ])('maps the connection error %s to %i %s', (code, status, ours) => {
    expect(clientErrorProblem(code)).toMatchObject({ status, code: ours });
  });

  it('has nobody to answer after a reset', () => {
    expect(clientErrorProblem('ECONNRESET')).toBeUndefined();
  });

  it('writes a whole HTTP/1.1 response with the given headers', () => {
    const body = clientErrorProblem('ERR_HTTP_REQUEST_TIMEOUT')!;
    const text = rawProblemResponse(body, { 'x-frame-options': 'DENY', 'x-request-id': 'r1' });
    const [head, json] = text.split('\r\n\r\n') as [string, string];
    const lines = head.split('\r\n');
    expect(lines[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(lines).toEqual(
      expect.arrayContaining([
        'x-frame-options: DENY',
        'x-request-id: r1',
        'content-type: application/problem+json; charset=utf-8',
        'cache-control: no-store',
        'connection: close',
        `content-length: ${Buffer.byteLength(json)}`,
      ]),
    );
    expect(ProblemSchema.parse(JSON.parse(json))).toEqual(body);
  });

  it('answers nothing on a socket that is already gone', () => {
    const socket = new Socket();
    socket.destroy();
    expect(answerClientError({ code: 'HPE_INVALID_METHOD' }, socket, {})).toBeUndefined();
  });
});
