// Reading Auth0 requests: bodies, client authentication and /oauth parameters, each refusal in
// Auth0's shape.
import { timingSafeEqual } from 'node:crypto';
import {
  BodyError,
  MAX_BODY_BYTES,
  readFields,
  str,
  type Fields,
  type Req,
} from '../core/index.js';
import type { Application, Applications } from './applications.js';
import { Auth0Error } from './errors.js';

/**
 * Reads a JSON or form body. Malformed bodies answer 400 in Auth0's shape with `code`
 * (`bad.request` on /passwordless/start, `invalid_request` on /oauth/*).
 */
export async function readBody(req: Req, code: string): Promise<Fields> {
  const length = Number(req.headers['content-length'] ?? 0);
  if (length > MAX_BODY_BYTES)
    throw new Auth0Error(400, code, `Request body larger than ${MAX_BODY_BYTES} bytes`);
  try {
    return await readFields(req, ['json', 'form']);
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    const description = {
      too_large: `Request body larger than ${MAX_BODY_BYTES} bytes`,
      bad_json: 'Invalid JSON body',
      not_an_object: 'Request body must be a JSON object',
      unsupported_media_type: `Unsupported content type: ${req.headers['content-type'] ?? '(none)'}; use application/json or application/x-www-form-urlencoded`,
    }[err.reason];
    throw new Auth0Error(400, code, description);
  }
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The client id and secret a request presents: in the body, or HTTP Basic. */
function presented(req: Req, fields: Fields): { id?: string; secret?: string } {
  let id = str(fields, 'client_id');
  let secret = str(fields, 'client_secret');
  const authz = req.headers.authorization;
  if (authz?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authz.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      try {
        id = decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' '));
        secret = decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' '));
      } catch {
        id = undefined;
      }
    }
  }
  return { id, secret };
}

const unauthorized = () => new Auth0Error(401, 'access_denied', 'Unauthorized');

/**
 * Client authentication for a confidential (Regular Web) application: `client_secret_post`
 * (what the SDK sends) or `client_secret_basic`. A wrong or missing secret, or an unknown
 * client, is 401 `access_denied` "Unauthorized". Returns the client id.
 * Source: https://auth0.com/docs/api/authentication#standard-error-responses and
 * https://auth0.com/docs/troubleshoot/product-lifecycle/past-migrations/migrate-to-passwordless
 * (/passwordless/start requires the client secret from Regular Web Applications).
 */
export function authenticateClient(
  tenant: { clientId: string; clientSecret: string },
  req: Req,
  fields: Fields,
): string {
  const { id, secret } = presented(req, fields);
  if (!id || id !== tenant.clientId || !secret || !sameSecret(secret, tenant.clientSecret)) {
    throw unauthorized();
  }
  return id;
}

/**
 * The same client authentication at the token endpoint, for any application of the tenant
 * (the Regular Web Application, or a Machine-to-Machine one using client credentials).
 */
export function authenticateApplication(
  applications: Applications,
  req: Req,
  fields: Fields,
): Application {
  const { id, secret } = presented(req, fields);
  const app = id ? applications.get(id) : undefined;
  if (!app || !secret || !sameSecret(secret, app.clientSecret)) throw unauthorized();
  return app;
}

/** A required /oauth parameter: missing or empty is 400 `invalid_request` (RFC 6749 §5.2). */
export function required(fields: Fields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === null || value === '')
    throw new Auth0Error(400, 'invalid_request', `Missing required parameter: ${name}`);
  if (typeof value !== 'string')
    throw new Auth0Error(400, 'invalid_request', `Invalid parameter: ${name} must be a string`);
  return value;
}

export function optional(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string')
    throw new Auth0Error(400, 'invalid_request', `Invalid parameter: ${name} must be a string`);
  return value;
}

/** A space-separated scope as a list without repeats. */
export function scopes(value: string | undefined): string[] {
  return [...new Set((value ?? '').split(/\s+/).filter(Boolean))];
}
