// GET /services/data/vNN.N/query?q=<SOQL> (and queryAll, the same here: the emulator deletes
// nothing), behind the session check and the daily API allocation.
// Sources: [REST] REST API Developer Guide (https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/<page>): Status Codes and
// Error Responses (errorcodes.htm), Query (resources_query.htm), Versions (dome_versions.htm).
// [JSF] @jsforce/jsforce-node 3.12.0: lib/http-api.js. The SOQL subset's sources are in soql.ts.
import { sendJson, type RouteContext, type RouteTable } from '../core/index.js';
import type { SalesforceOrg } from './context.js';
import { sendLimitExceeded, sendNotFound, sendSessionExpired, sendSfError } from './errors.js';
import { SoqlError, parseSoql } from './soql.js';

/** Versions the emulator answers: the ones not retired (31.0+) up to Spring '26 (66.0). [REST] */
export const MIN_API_VERSION = 31;
export const MAX_API_VERSION = 66;

/** `vNN.N` within the supported range, or undefined. [REST] Versions are always `NN.0`. */
function parseVersion(segment: string | undefined): string | undefined {
  if (!segment || segment[0] !== 'v') return undefined;
  const body = segment.slice(1);
  const dot = body.indexOf('.');
  if (dot < 1 || body.length !== dot + 2) return undefined;
  const major = body.slice(0, dot);
  const minor = body.slice(dot + 1);
  if (major[0] === '0' || ![...major].every((c) => c >= '0' && c <= '9') || minor !== '0')
    return undefined;
  const n = Number(major);
  if (n < MIN_API_VERSION || n > MAX_API_VERSION) return undefined;
  return body;
}

export function queryRoutes(routes: RouteTable, org: SalesforceOrg): void {
  // Every path under /services/data: the session check comes before "not found". [REST]
  routes.on('*', '/services/data/*', (ctx: RouteContext) => handleData(org, ctx));
}

function handleData(org: SalesforceOrg, { req, res, path, query }: RouteContext): void {
  // An invalid or expired token is 401 with this body, whatever the resource; jsforce
  // refreshes and retries on any 401. [REST] [JSF http-api.js isSessionExpired]
  if (!org.sessions.valid(req.headers.authorization)) return sendSessionExpired(res);
  // Counted once the caller is known; every answer from here on reports the usage. [limits.ts]
  const counted = org.usage.take();
  res.setHeader('sforce-limit-info', org.usage.header());
  if (!counted) return sendLimitExceeded(res);
  const segments = path.split('/'); // ['', 'services', 'data', 'v62.0', 'query', ...]
  const version = parseVersion(segments[3]);
  const rest = segments.slice(4);
  if (rest.length === 2 && rest[1] === '') rest.pop(); // `/query/` as jsforce writes it for locators
  const resource = rest.length === 1 ? rest[0] : undefined;
  if (!version || (resource !== 'query' && resource !== 'queryAll')) return sendNotFound(res);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendSfError(
      res,
      405,
      'METHOD_NOT_ALLOWED',
      `HTTP Method '${req.method ?? ''}' not allowed. Allowed are GET,HEAD`,
      { allow: 'GET, HEAD' },
    );
  }
  const soql = query.get('q');
  if (soql === null || soql.trim() === '') {
    return sendSfError(res, 400, 'MALFORMED_QUERY', 'A query string has to be specified');
  }
  let result;
  try {
    result = org.store.query(parseSoql(soql), soql);
  } catch (err) {
    if (err instanceof SoqlError) return sendSfError(res, 400, err.errorCode, err.message);
    throw err;
  }
  // One batch; `done: true` and no nextRecordsUrl. Fields in the selected order, with the
  // schema's casing, after `attributes`. [REST resources_query.htm]
  const records = result.rows.map((row) => ({
    attributes: {
      type: result.object,
      url: `/services/data/v${version}/sobjects/${result.object}/${row.id}`,
    },
    ...Object.fromEntries(row.values),
  }));
  sendJson(res, 200, { totalSize: records.length, done: true, records });
}
