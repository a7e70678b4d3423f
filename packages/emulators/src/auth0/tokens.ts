// The tokens the Auth0 emulator issues: access token, ID token and the claims a scope releases
// (shared with /userinfo so the two always agree).
import { randomBytes } from 'node:crypto';
import type { Auth0Tenant } from './context.js';
import type { User } from './store.js';

/**
 * The user's standard OIDC claims a scope releases, shared by the ID token and /userinfo so the
 * two always agree: `name` / `nickname` / `updated_at` with `profile`, `email` /
 * `email_verified` with `email`. `updated_at` is the emulator's choice: the time the token was
 * issued (`iatSeconds`), as it keeps no profile history.
 * Source: https://auth0.com/docs/get-started/apis/scopes/openid-connect-scopes.
 */
export function profileClaims(
  user: User,
  scope: string[],
  iatSeconds: number,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scope.includes('profile')) {
    claims.nickname = user.email.split('@')[0];
    claims.name = user.email;
    claims.updated_at = new Date(iatSeconds * 1000).toISOString();
  }
  if (scope.includes('email')) {
    claims.email = user.email;
    claims.email_verified = true;
  }
  return claims;
}

export interface TokenArgs {
  user: User;
  /** The granted scope. */
  scope: string[];
  audience: string | undefined;
  sid: string;
  refreshToken: string | undefined;
  nonce: string | undefined;
}

/**
 * The token response. Access token: RS256 JWT with `kid`, `iss` (trailing slash), `sub`,
 * `aud` = [audience, iss + "userinfo"] when `openid` was requested, `azp`, `scope`, `iat`,
 * `exp`; without an audience Auth0 returns an opaque access token (the emulator: 32
 * characters). ID token when `openid` was requested: `aud` = client id, `sid`, `email` /
 * `email_verified` with the `email` scope, `name` / `nickname` / `updated_at` with `profile`,
 * `nonce` when one was sent. Refresh token with `offline_access`.
 * Sources: https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles,
 * https://auth0.com/docs/secure/tokens/id-tokens/id-token-structure,
 * https://auth0.com/docs/get-started/apis/scopes/openid-connect-scopes,
 * https://auth0.com/docs/secure/tokens/refresh-tokens/get-refresh-tokens.
 */
export function tokenResponse(tenant: Auth0Tenant, args: TokenArgs): Record<string, unknown> {
  const { keys, settings, clientId } = tenant;
  const issuer = tenant.issuer();
  const iat = Math.floor(tenant.now() / 1000);
  const openid = args.scope.includes('openid');
  const scope = args.scope.join(' ');
  const accessToken = args.audience
    ? keys.sign(
        {
          iss: issuer,
          sub: args.user.user_id,
          aud: openid ? [args.audience, `${issuer}userinfo`] : args.audience,
          iat,
          exp: iat + settings.accessTokenTtlSeconds,
          scope,
          ...(settings.rfc9068AccessTokens ? { client_id: clientId } : { azp: clientId }),
        },
        settings.rfc9068AccessTokens ? 'at+jwt' : 'JWT',
      )
    : randomBytes(24).toString('base64url');
  const out: Record<string, unknown> = { access_token: accessToken };
  if (openid) {
    out.id_token = keys.sign({
      ...profileClaims(args.user, args.scope, iat),
      iss: issuer,
      aud: clientId,
      sub: args.user.user_id,
      iat,
      exp: iat + settings.idTokenTtlSeconds,
      sid: args.sid,
      ...(args.nonce !== undefined ? { nonce: args.nonce } : {}),
    });
  }
  if (args.refreshToken) out.refresh_token = args.refreshToken;
  if (scope) out.scope = scope;
  out.expires_in = settings.accessTokenTtlSeconds;
  out.token_type = 'Bearer';
  return out;
}

/**
 * The client-credentials token response: `{ access_token, scope?, expires_in, token_type }`.
 * The access token names the application as its subject (`<client id>@clients`) and, like
 * people's tokens, in `azp` or, in the RFC 9068 profile, `client_id` (with `typ: at+jwt`).
 * Source: https://auth0.com/docs/get-started/authentication-and-authorization-flow/client-credentials-flow,
 * https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles, RFC 9068 §2.2.
 */
export function serviceTokenResponse(
  tenant: Auth0Tenant,
  args: { clientId: string; audience: string; scope: string[] },
): Record<string, unknown> {
  const { keys, settings } = tenant;
  const iat = Math.floor(tenant.now() / 1000);
  const scope = args.scope.join(' ');
  const rfc9068 = settings.rfc9068AccessTokens;
  const accessToken = keys.sign(
    {
      iss: tenant.issuer(),
      sub: `${args.clientId}@clients`,
      aud: args.audience,
      iat,
      exp: iat + settings.accessTokenTtlSeconds,
      ...(scope ? { scope } : {}),
      gty: 'client-credentials',
      ...(rfc9068 ? { client_id: args.clientId } : { azp: args.clientId }),
    },
    rfc9068 ? 'at+jwt' : 'JWT',
  );
  return {
    access_token: accessToken,
    ...(scope ? { scope } : {}),
    expires_in: settings.accessTokenTtlSeconds,
    token_type: 'Bearer',
  };
}
