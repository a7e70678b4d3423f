// GET /.well-known/jwks.json and GET /.well-known/openid-configuration.
import { sendJson, type RouteTable } from '../core/index.js';
import type { Auth0Tenant } from './context.js';
import { PASSWORDLESS_OTP_GRANT } from './token-grants.js';

const CACHEABLE = { 'cache-control': 'public, max-age=15' };

export function discoveryRoutes(routes: RouteTable, tenant: Auth0Tenant): void {
  /** Source: https://auth0.com/docs/secure/tokens/json-web-tokens/json-web-key-sets. */
  routes.on('GET', '/.well-known/jwks.json', ({ res }) => {
    sendJson(res, 200, tenant.keys.jwks(), CACHEABLE);
  });

  /**
   * Source: https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery.
   * Lists only what the emulator implements (the real document also has /authorize,
   * /oauth/device/code, ...).
   */
  routes.on('GET', '/.well-known/openid-configuration', ({ res }) => {
    const issuer = tenant.issuer();
    sendJson(
      res,
      200,
      {
        issuer,
        token_endpoint: `${issuer}oauth/token`,
        userinfo_endpoint: `${issuer}userinfo`,
        revocation_endpoint: `${issuer}oauth/revoke`,
        jwks_uri: `${issuer}.well-known/jwks.json`,
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        response_types_supported: ['token', 'id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        grant_types_supported: [PASSWORDLESS_OTP_GRANT, 'refresh_token'],
        claims_supported: [
          'aud',
          'auth_time',
          'email',
          'email_verified',
          'exp',
          'iat',
          'iss',
          'name',
          'nickname',
          'sid',
          'sub',
          'updated_at',
        ],
      },
      CACHEABLE,
    );
  });
}
