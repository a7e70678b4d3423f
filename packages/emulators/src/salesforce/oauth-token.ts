// POST /services/oauth2/token: the client credentials grant.
// Sources: [CC] OAuth 2.0 Client Credentials Flow for Server-to-Server Integration (Salesforce
// Help, https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm&type=5),
// incl. its sample token response.
// [ERR] OAuth 2.0 Authorization Errors (Salesforce Help,
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flow_errors.htm&type=5).
// [TOK] Token response fields: OAuth 2.0 Username-Password / Web Server flow pages
// (signature = Base64 HMAC-SHA256 over id + issued_at keyed with the client secret).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  BodyError,
  MAX_BODY_BYTES,
  declaredLength,
  readFields,
  sendJson,
  str,
  type Fields,
  type RouteTable,
} from '../core/index.js';
import type { SalesforceOrg } from './context.js';
import { sendOAuthError } from './errors.js';
import { ORG_ID, USER_ID } from './sessions.js';

export const TOKEN_PATH = '/services/oauth2/token';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const SUPPORTED = ['client_credentials', 'refresh_token', 'authorization_code', 'password'];

/** Constant-time comparison of two strings of any length. */
function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export function oauthTokenRoutes(routes: RouteTable, org: SalesforceOrg): void {
  routes.on('*', TOKEN_PATH, async ({ req, res }) => {
    if (req.method !== 'POST') {
      // A GET to the token endpoint. [ERR]
      return sendOAuthError(res, 400, 'invalid_request', 'must use HTTP POST');
    }
    if ((declaredLength(req) ?? 0) > MAX_BODY_BYTES) {
      res.setHeader('connection', 'close');
      return sendOAuthError(res, 400, 'invalid_request', 'request body too large');
    }
    let fields: Fields;
    try {
      fields = await readFields(req, ['form']);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      if (err.reason === 'too_large')
        return sendOAuthError(res, 400, 'invalid_request', 'request body too large');
      // Parameters are read from the form body only: a JSON body carries no grant_type, so
      // Salesforce answers as for a missing one. (Parameters in the query string, which an
      // org also accepts, are refused here on purpose: they would put secrets in the log.)
      return sendOAuthError(res, 400, 'unsupported_grant_type', 'grant type not supported');
    }
    const grantType = str(fields, 'grant_type');
    // The JWT bearer grant is not emulated: it would need a certificate registered with the
    // emulator to verify assertions against. It gets the answer for an unknown grant.
    if (grantType === undefined || grantType === JWT_BEARER || !SUPPORTED.includes(grantType)) {
      return sendOAuthError(res, 400, 'unsupported_grant_type', 'grant type not supported');
    }
    const id = str(fields, 'client_id');
    if (id === undefined || !sameSecret(id, org.clientId)) {
      return sendOAuthError(res, 400, 'invalid_client_id', 'client identifier invalid');
    }
    const secret = str(fields, 'client_secret');
    if (secret === undefined || !sameSecret(secret, org.clientSecret)) {
      return sendOAuthError(res, 400, 'invalid_client', 'invalid client credentials');
    }
    // The emulator never issues refresh tokens or codes and has no users with passwords;
    // these are the answers an org gives for a bad one of each. [ERR]
    if (grantType === 'refresh_token')
      return sendOAuthError(res, 400, 'invalid_grant', 'expired access/refresh token');
    if (grantType === 'authorization_code')
      return sendOAuthError(res, 400, 'invalid_grant', 'invalid authorization code');
    if (grantType === 'password')
      return sendOAuthError(res, 400, 'invalid_grant', 'authentication failure');

    // Client credentials: no refresh token; `issued_at` is milliseconds as a string. [CC] [TOK]
    const accessToken = org.sessions.issue();
    const identityUrl = `${org.baseUrl()}/id/${ORG_ID}/${USER_ID}`;
    const issuedAt = String(org.now());
    const signature = createHmac('sha256', org.clientSecret)
      .update(identityUrl + issuedAt)
      .digest('base64');
    sendJson(res, 200, {
      access_token: accessToken,
      signature,
      scope: 'api',
      instance_url: org.baseUrl(),
      id: identityUrl,
      token_type: 'Bearer',
      issued_at: issuedAt,
    });
  });
}
