// The Auth0 emulator's own `/__emulator/*` controls (faults, requests and reset are the core's).
// Responses follow the convention in ../core/controls.ts.
import {
  ControlError,
  answer,
  readControlBody,
  sendJson,
  valid,
  type RouteTable,
} from '../core/index.js';
import { parseApplication } from './applications.js';
import type { Auth0Tenant } from './context.js';
import { parseSettings, parseUserPatch } from './settings.js';

export function auth0Controls(controls: RouteTable, tenant: Auth0Tenant): void {
  const { store, keys, settings, applications } = tenant;
  controls
    // The tenant's applications (never their secrets): `{ applications: [...] }`.
    .on('GET', '/__emulator/applications', ({ res }) =>
      answer(res, { applications: applications.list() }),
    )
    // A Machine-to-Machine application with a client grant for the tenant's API:
    // `{ scopes, clientId?, clientSecret?, name? }` -> 201 `{ id, clientSecret }` (id is the
    // client id; both generated when not given). reset() forgets it.
    .on('POST', '/__emulator/applications', async ({ req, res }) => {
      const spec = valid(parseApplication(await readControlBody(req)));
      if (spec.clientId !== undefined && applications.get(spec.clientId))
        throw new ControlError(409, `an application ${spec.clientId} exists already`);
      const app = applications.create(spec);
      sendJson(res, 201, { id: app.clientId, clientSecret: app.clientSecret });
    })
    // Sent codes, newest first: `{ messages: [{ to, code, sentAt }] }`; `?email=` filters.
    .on('GET', '/__emulator/outbox', ({ res, query }) => {
      const email = query.get('email') ?? undefined;
      answer(res, { messages: store.outbox(email || undefined) });
    })
    // Promotes the published next key; `{ retirePrevious: true }` drops the old ones. -> { kid }
    .on('POST', '/__emulator/keys/rotate', async ({ req, res }) => {
      const retire = (await readControlBody(req)).retirePrevious;
      if (retire !== undefined && typeof retire !== 'boolean')
        throw new ControlError(400, 'retirePrevious must be a boolean');
      answer(res, keys.rotate(retire === true));
    })
    // `{ email, blocked }`: a blocked user's logins and refreshes are refused. -> { user }
    .on('PUT', '/__emulator/users', async ({ req, res }) => {
      const user = valid(parseUserPatch(await readControlBody(req)));
      store.setBlocked(user.email, user.blocked);
      answer(res, { user });
    })
    .on('GET', '/__emulator/settings', ({ res }) => answer(res, { settings: { ...settings } }))
    .on('PUT', '/__emulator/settings', async ({ req, res }) => {
      Object.assign(settings, valid(parseSettings(await readControlBody(req))));
      answer(res, { settings: { ...settings } });
    });
}
