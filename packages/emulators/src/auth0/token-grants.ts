// POST /oauth/token: the passwordless OTP grant and the refresh-token grant (with rotation).
import { sendJson, type RouteTable } from '../core/index.js';
import type { Auth0Tenant } from './context.js';
import { Auth0Error, blockedUser } from './errors.js';
import { authenticateClient, optional, readBody, required, scopes } from './request.js';
import { tokenResponse } from './tokens.js';
import type { Fields } from '../core/index.js';

/** The grant type of the passwordless OTP flow (https://auth0.com/docs/api/authentication/passwordless/authenticate-user). */
export const PASSWORDLESS_OTP_GRANT = 'http://auth0.com/oauth/grant-type/passwordless/otp';

type Grant = (tenant: Auth0Tenant, fields: Fields, client: string) => Record<string, unknown>;

/**
 * POST /oauth/token, form or JSON (https://auth0.com/docs/api/authentication). A missing
 * `grant_type` is 400 `invalid_request`; client authentication comes next (401); a grant the
 * tenant does not support is 403 `unsupported_grant_type` "Unsupported grant type: X"
 * (RFC 6749 §5.2 code; Auth0 answers token-endpoint grant errors with 403).
 */
export function tokenRoutes(routes: RouteTable, tenant: Auth0Tenant): void {
  const grants: Record<string, Grant> = {
    [PASSWORDLESS_OTP_GRANT]: otpGrant,
    refresh_token: refreshGrant,
  };
  routes.on('POST', '/oauth/token', async ({ req, res }) => {
    const fields = await readBody(req, 'invalid_request');
    const grantType = required(fields, 'grant_type');
    const client = authenticateClient(tenant, req, fields);
    const grant = Object.hasOwn(grants, grantType) ? grants[grantType] : undefined;
    if (!grant)
      throw new Auth0Error(403, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
    sendJson(res, 200, grant(tenant, fields, client), { pragma: 'no-cache' });
  });
}

/**
 * `grant_type=http://auth0.com/oauth/grant-type/passwordless/otp`.
 * Source: https://auth0.com/docs/api/authentication/passwordless/authenticate-user and
 * https://auth0.com/docs/authenticate/passwordless/implement-login/embedded-login/relevant-api-endpoints.
 * Errors 403 `invalid_grant` with the descriptions Auth0 returns (support article
 * "Passwordless Email Login Attempts Maximum Exceeded"; docs/upstream.md).
 */
function otpGrant(tenant: Auth0Tenant, fields: Fields, client: string): Record<string, unknown> {
  const { store, settings } = tenant;
  const realm = required(fields, 'realm');
  const username = required(fields, 'username');
  const otp = required(fields, 'otp');
  // Emulator's wording: the tenant has only the `email` passwordless connection.
  if (realm !== 'email') throw new Auth0Error(400, 'invalid_request', `Unknown realm: ${realm}`);
  const requestedAudience = optional(fields, 'audience');
  // Source: Auth0 answers an audience that names no API with access_denied
  // "Service not found: <audience>" (seen e.g. in github.com/auth0-samples/auth0-python-web-app
  // issue #18); 403 as for the other token-endpoint refusals.
  if (requestedAudience !== undefined && requestedAudience !== tenant.audience)
    throw new Auth0Error(403, 'access_denied', `Service not found: ${requestedAudience}`);
  const requested = scopes(optional(fields, 'scope'));
  const outcome = store.verifyOtp(username, otp);
  if (!outcome.ok) {
    if (outcome.reason === 'blocked') throw blockedUser();
    const description = {
      wrong: 'Wrong email or verification code.',
      expired: 'The verification code has expired. Please try to login again.',
      too_many_attempts:
        "You've reached the maximum number of attempts. Please try to login again.",
    }[outcome.reason];
    throw new Auth0Error(403, 'invalid_grant', description);
  }
  // With "Allow Offline Access" off on the API, Auth0 grants no `offline_access`: no refresh
  // token, and the answer's `scope` (and the access token's) leaves it out
  // (https://auth0.com/docs/secure/tokens/refresh-tokens/get-refresh-tokens; docs/upstream.md).
  const scope = settings.allowOfflineAccess
    ? requested
    : requested.filter((s) => s !== 'offline_access');
  let refreshToken: string | undefined;
  let sid: string;
  if (scope.includes('offline_access')) {
    ({ refreshToken, sid } = store.startFamily(
      outcome.user,
      scope.join(' '),
      requestedAudience,
      client,
    ));
  } else {
    sid = store.newSid();
  }
  return tokenResponse(tenant, {
    user: outcome.user,
    scope,
    audience: requestedAudience,
    sid,
    refreshToken,
    nonce: optional(fields, 'nonce'),
  });
}

/**
 * `grant_type=refresh_token` with rotation. Reuse outside the reuse interval revokes the
 * family; unknown, revoked and reused tokens all answer 403 `invalid_grant`
 * "Unknown or invalid refresh token.". An optional `scope` can only narrow the original.
 * Source: https://auth0.com/docs/secure/tokens/refresh-tokens/refresh-token-rotation,
 * https://auth0.com/docs/secure/tokens/refresh-tokens/use-refresh-tokens.
 */
function refreshGrant(
  tenant: Auth0Tenant,
  fields: Fields,
  client: string,
): Record<string, unknown> {
  const token = required(fields, 'refresh_token');
  const narrowed = optional(fields, 'scope');
  const outcome = tenant.store.useRefresh(token, client);
  if (!outcome.ok && outcome.blocked) throw blockedUser();
  if (!outcome.ok) throw new Auth0Error(403, 'invalid_grant', 'Unknown or invalid refresh token.');
  const original = scopes(outcome.scope);
  const scope =
    narrowed === undefined ? original : scopes(narrowed).filter((s) => original.includes(s));
  return tokenResponse(tenant, {
    user: outcome.user,
    scope,
    audience: outcome.audience,
    sid: outcome.sid,
    refreshToken: outcome.refreshToken,
    nonce: undefined,
  });
}
