// Turns an untrusted `?redirect=` value into a path inside this app, or the fallback.
// The value is resolved by the browser's own URL parser against a fixed dummy origin, and
// only a result on that origin is kept; then the path it yields is checked again as a
// browser or the router would read it (percent-decoded), so that nothing that could name
// another origin (`//host`, `/\host`, `/.//host`, `/%2F%2Fhost`, `javascript:`, …) gets out.
const BASE = 'https://portcullis.invalid';
const MAX_LENGTH = 2048;
// Control characters (the URL parser drops tabs and newlines anywhere, and strips others at
// the ends) and backslashes (which browsers read as slashes).
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\\]/;

/** The path percent-decoded until it stops changing (at most a few rounds), or undefined. */
function fullyDecoded(path: string): string | undefined {
  let current = path;
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return undefined;
    }
    if (next === current) return current;
    current = next;
  }
  return undefined;
}

/** A path that could be read as another origin, or that hides characters. */
function unsafePath(path: string): boolean {
  return path.startsWith('//') || !path.startsWith('/') || UNSAFE_CHARACTERS.test(path);
}

function resolve(input: string): URL | undefined {
  try {
    const url = new URL(input, BASE);
    return url.origin === BASE && url.username === '' && url.password === '' ? url : undefined;
  } catch {
    return undefined;
  }
}

export function safeRedirectPath(input: unknown, fallback = '/'): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > MAX_LENGTH) return fallback;
  // Only a path: no scheme, no host, and nothing the parser would silently drop or rewrite.
  if (unsafePath(input)) return fallback;
  const url = resolve(input);
  if (!url) return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // After normalisation (`/./`, `/../`), the path must still be a plain in-app path...
  if (unsafePath(url.pathname)) return fallback;
  // ...and so must its decoded form, which is what the router matches and navigates to.
  const decoded = fullyDecoded(url.pathname);
  if (decoded === undefined || unsafePath(decoded)) return fallback;
  // Resolving the result again must give the same result (nothing left to reinterpret).
  const again = resolve(path);
  if (!again || `${again.pathname}${again.search}${again.hash}` !== path) return fallback;
  // Never bounce back to the login page itself.
  if (/^\/login\/?$/i.test(decoded)) return fallback;
  return path;
}
