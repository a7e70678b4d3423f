// The Salesforce emulator's own `/__emulator/*` controls (faults, requests and reset are the
// core's): the org's API allocation, session expiry and records. Responses follow the
// convention in ../core/controls.ts.
import {
  ControlError,
  answer,
  created,
  decodeSegment,
  done,
  readControlBody,
  valid,
  type RouteTable,
} from '../core/index.js';
import type { SalesforceOrg } from './context.js';
import { parseLimits } from './limits.js';
import { RecordError } from './store.js';

/** A record write the store refused, as `{ error, errorCode }` with Salesforce's status. */
function recordError(err: unknown): unknown {
  return err instanceof RecordError
    ? new ControlError(err.status, err.message, { errorCode: err.errorCode })
    : err;
}

function segment(raw: string | undefined, path: string): string {
  const value = raw === undefined ? undefined : decodeSegment(raw);
  if (value === undefined) throw new ControlError(404, `no emulator control at ${path}`);
  return value;
}

export function salesforceControls(controls: RouteTable, org: SalesforceOrg): void {
  controls
    // `{ limits: { dailyApiRequests, used } }`, as Sforce-Limit-Info reports them.
    .on('GET', '/__emulator/limits', ({ res }) => answer(res, { limits: org.usage.current() }))
    .on('PUT', '/__emulator/limits', async ({ req, res }) => {
      org.usage.set(valid(parseLimits(await readControlBody(req))));
      answer(res, { limits: org.usage.current() });
    })
    .on('POST', '/__emulator/expire-tokens', ({ res }) => {
      org.sessions.expireAll();
      done(res);
    })
    // Create a record: 201 `{ id }` (18 characters).
    .on('POST', '/__emulator/sobjects/:type', async ({ req, res, path, params }) => {
      const body = await readControlBody(req);
      const type = segment(params.type, path);
      try {
        created(res, org.store.create(type, body));
      } catch (err) {
        throw recordError(err);
      }
    })
    // Update a record by 15- or 18-character id (e.g. revoke portal access): 204.
    .on('PATCH', '/__emulator/sobjects/:type/:id', async ({ req, res, path, params }) => {
      const body = await readControlBody(req);
      const type = segment(params.type, path);
      const id = segment(params.id, path);
      try {
        org.store.update(type, id, body);
      } catch (err) {
        throw recordError(err);
      }
      done(res);
    });
}
