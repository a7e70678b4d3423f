// POST /oauth/token: the passwordless OTP grant, the refresh-token grant (with rotation) and
// the client-credentials grant (Machine-to-Machine applications calling the API as themselves).
import { sendJson, type RouteTable } from '../core/index.js';
import { CLIENT_CREDENTIALS_GRANT, type Application } from './applications.js';
import type { Auth0Tenant } from './context.js';
import { Auth0Error, blockedUser } from './errors.js';
import { authenticateApplication, optional, readBody, required, scopes } from './request.js';
import { serviceTokenResponse, tokenResponse } from './tokens.js';
import type { Fields } from '../core/index.js';

/** The grant type of the passwordless OTP flow (https://auth0.com/docs/api/authentication/passwordless/authenticate-user). */
export const PASSWORDLESS_OTP_GRANT = 'http://auth0.com/oauth/grant-type/passwordless/otp';

type Grant = (tenant: Auth0Tenant, fields: Fields, client: string) => Record<string, unknown>;

/**
 * POST /oauth/token, form or JSON (https://auth0.com/docs/api/authentication). A missing
 * `grant_type` is 400 `invalid_request`; client authentication comes next (401, for any
 * application of the tenant); a grant the tenant does not support is 403
 * `unsupported_grant_type` "Unsupported grant type: X" (RFC 6749 §5.2 code; Auth0 answers
 * token-endpoint grant errors with 403); a grant type the application does not have enabled
 * is 403 `unauthorized_client` "Grant type 'X' not allowed for the client." (RFC 6749 §5.2;
 * https://auth0.com/docs/get-started/applications/application-grant-types).
 */
export function tokenRoutes(routes: RouteTable, tenant: Auth0Tenant): void {
  const grants: Record<string, Grant> = {
    [PASSWORDLESS_OTP_GRANT]: otpGrant,
    refresh_token: refreshGrant,
    [CLIENT_CREDENTIALS_GRANT]: clientCredentialsGrant,
  };
  routes.on('POST', '/oauth/token', async ({ req, res }) => {
    const fields = await readBody(req, 'invalid_request');
    const grantType = required(fields, 'grant_type');
    const app = authenticateApplication(tenant.applications, req, fields);
    const grant = Object.hasOwn(grants, grantType) ? grants[grantType] : undefined;
    if (!grant)
      throw new Auth0Error(403, 'unsupported_grant_type', `Unsupported grant type: ${grantType}`);
    if (!app.grantTypes.includes(grantType))
      throw new Auth0Error(
        403,
        'unauthorized_client',
        `Grant type '${grantType}' not allowed for the client.`,
      );
    sendJson(res, 200, grant(tenant, fields, app.clientId), { pragma: 'no-cache' });
  });
}

/**
 * `grant_type=client_credentials`: a Machine-to-Machine application's token for an API it
 * has a client grant for. `audience` names the API (the emulator's tenant has no default
 * audience: without one, 403 `access_denied`); `scope`, when sent, must be within the
 * grant's scopes (else 403 `access_denied` "Client has not been granted scopes: …"), and
 * without it every granted scope is given. The access token: `sub` `<client id>@clients`,
 * `aud` the API alone, `gty: client-credentials`, `scope`, and `azp` (or `client_id` and
 * `typ: at+jwt` in the RFC 9068 profile). No ID token, no refresh token.
 * Sources: https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow/call-your-api-using-the-client-credentials-flow,
 * https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles, and the errors
 * Auth0 answers for a missing client grant or ungranted scopes (auth0.com/docs/troubleshoot,
 * "Client is not authorized to access").
 */
function clientCredentialsGrant(
  tenant: Auth0Tenant,
  fields: Fields,
  client: string,
): Record<string, unknown> {
  const app = tenant.applications.get(client) as Application;
  const audience = optional(fields, 'audience');
  if (audience === undefined)
    throw new Auth0Error(
      403,
      'access_denied',
      'No audience parameter was provided, and no default audience has been configured',
    );
  if (audience !== tenant.audience)
    throw new Auth0Error(403, 'access_denied', `Service not found: ${audience}`);
  if (!app.scopes)
    throw new Auth0Error(
      403,
      'access_denied',
      `Client is not authorized to access "${audience}". You need to create a "client-grant" associated to this API. See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants`,
    );
  const requested = optional(fields, 'scope');
  let granted = [...app.scopes];
  if (requested !== undefined) {
    const asked = scopes(requested);
    const refused = asked.filter((s) => !app.scopes!.includes(s));
    if (refused.length)
      throw new Auth0Error(
        403,
        'access_denied',
        `Client has not been granted scopes: ${refused.join(' ')}`,
      );
    granted = asked;
  }
  return serviceTokenResponse(tenant, { clientId: client, audience, scope: granted });
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
