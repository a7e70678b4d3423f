// The route table both emulators dispatch through: method + path pattern -> handler.
// Patterns are literal segments, `:name` (one non-empty segment, left undecoded) and a final
// `*` (any remaining segments, none included: `/a/*` matches `/a`, `/a/` and `/a/b/c`).
// Method `*` takes every method.
import type { Req, Res } from './body.js';

export interface RouteContext {
  req: Req;
  res: Res;
  method: string;
  /** The request path as sent (undecoded), without the query string. */
  path: string;
  query: URLSearchParams;
  /** The `:name` segments of the matched pattern, undecoded (see decodeSegment). */
  params: Record<string, string>;
}

export type RouteHandler = (ctx: RouteContext) => Promise<void> | void;

export type RouteMatch =
  | { handler: RouteHandler; params: Record<string, string> }
  /** The path exists but not for this method: the methods it has, for `Allow`. */
  | { allow: string[] };

interface Route {
  methods: string[];
  segments: string[];
  handler: RouteHandler;
}

export class RouteTable {
  private readonly routes: Route[] = [];

  /** Adds a route; `methods` is one method, several, or `*`. */
  on(methods: string | string[], pattern: string, handler: RouteHandler): this {
    this.routes.push({
      methods: Array.isArray(methods) ? methods : [methods],
      segments: pattern.split('/'),
      handler,
    });
    return this;
  }

  /** The handler for a request, or the allowed methods, or undefined when no path matches. */
  match(method: string, path: string): RouteMatch | undefined {
    const segments = path.split('/');
    const allow: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.methods.includes('*') || route.methods.includes(method))
        return { handler: route.handler, params };
      for (const m of route.methods) if (!allow.includes(m)) allow.push(m);
    }
    return allow.length ? { allow } : undefined;
  }
}

function matchSegments(pattern: string[], path: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p === '*' && i === pattern.length - 1) return params;
    const s = path[i];
    if (s === undefined) return undefined;
    if (p.startsWith(':')) {
      if (s === '') return undefined;
      params[p.slice(1)] = s;
    } else if (p !== s) return undefined;
  }
  return pattern.length === path.length ? params : undefined;
}

/**
 * Splits a request target without URL resolution (a path like `//x` must stay a path). An
 * absolute-form target (`GET http://host/path`, RFC 9112 section 3.2.2) routes by its path.
 */
export function splitUrl(target: string): { path: string; search: string } {
  let raw = target;
  const scheme = raw.startsWith('http://') ? 7 : raw.startsWith('https://') ? 8 : 0;
  if (scheme) {
    const slash = raw.indexOf('/', scheme);
    const query = raw.indexOf('?', scheme);
    const cut = slash < 0 ? query : query < 0 ? slash : Math.min(slash, query);
    raw = cut < 0 ? '/' : raw[cut] === '?' ? `/${raw.slice(cut)}` : raw.slice(cut);
  }
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, search: '' } : { path: raw.slice(0, q), search: raw.slice(q + 1) };
}

/** A percent-decoded path segment, or undefined when its encoding is broken. */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
