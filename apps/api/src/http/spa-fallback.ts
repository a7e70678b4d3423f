// The SPA's history fallback: a GET or HEAD outside /api that matched no route and names no
// file is a page of the single-page app, so it gets index.html and the SPA's router decides.
// It lives in Fastify's not-found handler, in front of Nest's (which turns everything else
// into a 404 problem), not in the exception filter: nothing is thrown for a page.
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type {} from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A path the SPA's router owns: not /api, and without a file extension. */
export function isSpaPage(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const path = url.split('?')[0]!;
  if (path === '/api' || path.startsWith('/api/')) return false;
  // Routes have no file extension; a missing file (or a refused .map) stays a 404.
  return !/\.[A-Za-z0-9]+$/.test(path);
}

type NotFoundHandler = (req: FastifyRequest, reply: FastifyReply) => unknown;

/** The Fastify adapter with the SPA's index.html as the not-found answer for SPA pages. */
export class SpaFallbackAdapter extends FastifyAdapter {
  override setNotFoundHandler(handler: NotFoundHandler) {
    return super.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
      if (!isSpaPage(req.method, req.url)) return handler(req, reply);
      return reply
        .header('cache-control', 'no-cache')
        .type('text/html; charset=utf-8')
        .sendFile('index.html');
    });
  }
}
