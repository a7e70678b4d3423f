// How the Salesforce emulator says no: the REST API's `[{ message, errorCode }]` and the OAuth
// endpoint's `{ error, error_description }`, for refusals and for injected faults.
// Sources: [REST] REST API Developer Guide, Status Codes and Error Responses,
// https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm;
// [ERR] OAuth 2.0 Authorization Errors (Salesforce Help),
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5.
import { randomBytes } from 'node:crypto';
import { sendJson, type FaultSpec, type Res } from '../core/index.js';

type SfError = { message: string; errorCode: string };

/** REST API errors are a JSON array of `{ message, errorCode }`. [REST] */
export function sendSfError(
  res: Res,
  status: number,
  errorCode: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const body: SfError[] = [{ message, errorCode }];
  sendJson(res, status, body, headers);
}

/** OAuth endpoint errors are `{ error, error_description }` (400 for request errors). [ERR] */
export function sendOAuthError(res: Res, status: number, error: string, description: string): void {
  sendJson(res, status, { error, error_description: description });
}

export const sendNotFound = (res: Res) =>
  sendSfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');

export const sendSessionExpired = (res: Res) =>
  sendSfError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export const sendLimitExceeded = (res: Res) =>
  sendSfError(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');

export function unexpectedErrorMessage(): string {
  // Salesforce's wording for an internal error. [REST]
  const errorId = `${randomBytes(4).readUInt32BE()}-${randomBytes(2).readUInt16BE()} (${randomBytes(4).readInt32BE()})`;
  return `An unexpected error occurred. Please include this ErrorId if you contact support: ${errorId}`;
}

/** The REST API's error for an injected fault status. [REST] */
export function dataFault(res: Res, status: number, spec: FaultSpec = {}): void {
  if (spec.error)
    return sendSfError(
      res,
      status,
      spec.error,
      spec.description ?? `emulated fault (status ${status})`,
    );
  switch (status) {
    case 401:
      return sendSessionExpired(res);
    case 403:
      return sendLimitExceeded(res);
    case 404:
      return sendNotFound(res);
    case 405:
      return sendSfError(res, 405, 'METHOD_NOT_ALLOWED', 'HTTP Method not allowed');
    case 429:
      return sendSfError(
        res,
        429,
        'REQUEST_LIMIT_EXCEEDED',
        'ConcurrentPerOrgLongTxn Limit exceeded.',
      );
    case 500:
      return sendSfError(res, 500, 'UNKNOWN_EXCEPTION', unexpectedErrorMessage());
    default:
      if (status >= 500) {
        return sendSfError(
          res,
          status,
          'SERVER_UNAVAILABLE',
          'Server temporarily unavailable, please try again later',
        );
      }
      return sendSfError(res, status, 'INVALID_OPERATION', `emulated fault (status ${status})`);
  }
}

/** The token endpoint's error for an injected fault status. [ERR] */
export function tokenFault(res: Res, status: number): void {
  if (status === 400) return sendOAuthError(res, 400, 'invalid_request', 'emulated fault');
  if (status === 401)
    return sendOAuthError(res, 401, 'invalid_client', 'invalid client credentials');
  if (status === 403 || status === 429)
    return sendOAuthError(res, status, 'rate_limit_exceeded', 'rate limit exceeded');
  // Salesforce's token endpoint answers transient failures with this pair.
  return sendOAuthError(res, status, 'unknown_error', 'retry your request');
}
