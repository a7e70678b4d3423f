// POST /oauth/revoke.
import { sendEmpty, type RouteTable } from '../core/index.js';
import type { Auth0Tenant } from './context.js';
import { authenticateClient, readBody, required } from './request.js';

/**
 * POST /oauth/revoke: revokes the refresh token's family, or with `revocationDeletesGrant` on
 * every refresh token of that user, client and audience (Auth0Store.revoke); 200 with an empty
 * body, also for unknown tokens. Source: https://auth0.com/docs/api/authentication/revoke-refresh-token.
 */
export function revokeRoutes(routes: RouteTable, tenant: Auth0Tenant): void {
  routes.on('POST', '/oauth/revoke', async ({ req, res }) => {
    const fields = await readBody(req, 'invalid_request');
    const client = authenticateClient(tenant, req, fields);
    tenant.store.revoke(required(fields, 'token'), client);
    sendEmpty(res, 200);
  });
}
