// POST /passwordless/start: sends an email one-time code (the emulator's outbox and log).
import { randomBytes } from 'node:crypto';
import { sendJson, type RouteTable } from '../core/index.js';
import type { Auth0Tenant } from './context.js';
import { Auth0Error, typeName } from './errors.js';
import { authenticateClient, readBody } from './request.js';
import { plausibleEmail } from './settings.js';

/** Properties /passwordless/start accepts (https://auth0.com/docs/api/authentication/passwordless/get-code-or-link). */
const START_PROPERTIES = new Set([
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'connection',
  'email',
  'phone_number',
  'send',
  'authParams',
]);

/**
 * POST /passwordless/start. Error codes follow Auth0's "Errors > POST /passwordless/start"
 * (https://auth0.com/docs/api/authentication#get-code-or-link): `bad.client_id`,
 * `bad.connection` ("Connection does not exist"), `bad.email`, `bad.send`, `bad.request`
 * for unknown properties; 401 for client authentication. A new code supersedes the old one
 * (Auth0Store.startEmail).
 */
export function passwordlessStartRoutes(routes: RouteTable, tenant: Auth0Tenant): void {
  routes.on('POST', '/passwordless/start', async ({ req, res }) => {
    const fields = await readBody(req, 'bad.request');
    const extra = Object.keys(fields).filter((k) => !START_PROPERTIES.has(k));
    if (extra.length)
      throw new Auth0Error(
        400,
        'bad.request',
        `the following properties are not allowed: ${extra.join(', ')}`,
      );
    if (fields.client_id === undefined || fields.client_id === '')
      throw new Auth0Error(400, 'bad.client_id', 'Missing required property: client_id');
    authenticateClient(tenant, req, fields);
    const connection = fields.connection;
    if (connection === undefined || connection === '')
      throw new Auth0Error(400, 'bad.connection', 'Missing required property: connection');
    if (connection !== 'email')
      throw new Auth0Error(400, 'bad.connection', 'Connection does not exist');
    const send = fields.send;
    if (send === undefined || send === null || send === 'link')
      // Auth0 sends a magic link when `send` is absent; the emulator only does codes.
      throw new Auth0Error(
        400,
        'bad.send',
        'The Auth0 emulator only sends codes (send: "code"); links are not supported',
      );
    if (send !== 'code')
      throw new Auth0Error(
        400,
        'bad.send',
        `error in send - No enum match for: ${JSON.stringify(send)}`,
      );
    if (fields.authParams !== undefined && typeName(fields.authParams) !== 'object')
      throw new Auth0Error(
        400,
        'bad.authParams',
        `error in authParams - invalid type: ${typeName(fields.authParams)} (expected object)`,
      );
    const email = fields.email;
    if (email === undefined || email === '')
      throw new Auth0Error(400, 'bad.email', 'Missing required property: email');
    if (typeof email !== 'string')
      throw new Auth0Error(
        400,
        'bad.email',
        `error in email - invalid type: ${typeName(email)} (expected string)`,
      );
    if (!plausibleEmail(email))
      throw new Auth0Error(
        400,
        'bad.email',
        `error in email - email format validation failed: ${email}`,
      );
    const message = tenant.store.startEmail(email);
    tenant.log(`[auth0-emulator] code for ${message.to}: ${message.code}`);
    sendJson(res, 200, { _id: randomBytes(12).toString('hex'), email, email_verified: false });
  });
}
