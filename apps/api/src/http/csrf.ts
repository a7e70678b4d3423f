// CSRF rule (README, Security model): an unsafe method is refused when the browser says the request is
// cross-site or same-site (Sec-Fetch-Site), or when Origin is present and not an allowed
// origin. It applies to every path, not only /api: the router decodes and normalises paths,
// so `/%61pi/...` or `//api/...` reach the same handlers (app.ts runs it for every request).
// Requests with neither header (curl, servers) pass: they carry no ambient cookies from a
// victim's browser. SameSite=Lax on the cookie is the second layer.
import type { FastifyRequest } from 'fastify';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The request's own origin, from the Host header and the protocol Fastify derived. */
function ownOrigin(req: FastifyRequest): string | undefined {
  const host = req.headers.host;
  return host ? `${req.protocol}://${host}` : undefined;
}

export function csrfRejection(
  req: FastifyRequest,
  allowedOrigins: ReadonlySet<string>,
): string | undefined {
  if (!UNSAFE.has(req.method)) return undefined;
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return `Sec-Fetch-Site: ${site}`;
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (origin === 'null') return 'Origin: null';
    if (origin !== ownOrigin(req) && !allowedOrigins.has(origin)) return 'Origin not allowed';
  }
  return undefined;
}
