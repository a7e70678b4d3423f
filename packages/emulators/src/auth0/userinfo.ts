// GET /userinfo.
import { sendJson, type RouteTable } from '../core/index.js';
import type { Auth0Tenant } from './context.js';
import { scopes } from './request.js';
import { profileClaims } from './tokens.js';

/**
 * GET /userinfo with `Authorization: Bearer <access token>`
 * (https://auth0.com/docs/api/authentication/user-profile/get-user-info). The token must be a
 * JWT access token this emulator issued with the `openid` scope: RS256 with a key still in the
 * JWKS, `iss` this tenant, `aud` including `<issuer>userinfo` (Auth0 adds that audience only
 * when `openid` is requested; community.auth0.com "The /userinfo endpoint returns 401"), not
 * expired by the emulator's clock (no leeway), and a `sub` the tenant still knows (a user
 * forgotten by reset is refused: the emulator's choice). The answer has `sub` and the claims
 * the token's scope releases, with the ID token's values (profileClaims). Anything else is
 * 401 with the text body `Unauthorized` and `WWW-Authenticate: Bearer error="invalid_token"`
 * (RFC 6750 §3.1; Auth0 answers this endpoint's 401 without a JSON body).
 * Not emulated: the opaque access tokens of logins without an audience, which Auth0 accepts
 * here; the emulator keeps no record of them, so they get 401.
 */
export function userinfoRoutes(routes: RouteTable, tenant: Auth0Tenant): void {
  routes.on('GET', '/userinfo', ({ req, res }) => {
    const claims = userinfoClaims(tenant, req.headers.authorization);
    if (!claims) {
      const text = 'Unauthorized';
      res.writeHead(401, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': Buffer.byteLength(text),
        'cache-control': 'no-store',
        'www-authenticate': 'Bearer error="invalid_token"',
      });
      res.end(text);
      return;
    }
    sendJson(res, 200, claims);
  });
}

function userinfoClaims(
  tenant: Auth0Tenant,
  authorization: string | undefined,
): Record<string, unknown> | undefined {
  const issuer = tenant.issuer();
  // RFC 6750 §2.1: `Bearer` (scheme case-insensitive, RFC 7235 §2.1) and one token.
  const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const payload = tenant.keys.verify(match[1]!);
  if (!payload || payload.iss !== issuer) return undefined;
  const aud = payload.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(`${issuer}userinfo`)) return undefined;
  const { exp, iat, sub, scope } = payload;
  if (typeof exp !== 'number' || tenant.now() / 1000 >= exp) return undefined;
  if (typeof iat !== 'number' || typeof sub !== 'string') return undefined;
  if (scope !== undefined && typeof scope !== 'string') return undefined;
  const user = tenant.store.userById(sub);
  if (!user) return undefined;
  return { sub, ...profileClaims(user, scopes(scope), iat) };
}
