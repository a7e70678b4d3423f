/**
 * Turns an untrusted `?redirect=` value into a path inside this app, or `/`.
 * Refuses absolute URLs, protocol-relative `//host`, backslash tricks (`/\host`, which
 * browsers treat like `//host`), `javascript:` and anything with control characters.
 */
export function safeRedirectPath(input: unknown, fallback = '/'): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > 2048) return fallback;
  if (!input.startsWith('/') || input.startsWith('//') || input.includes('\\')) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(input)) return fallback;
  let url: URL;
  try {
    url = new URL(input, 'https://portcullis.invalid');
  } catch {
    return fallback;
  }
  if (url.origin !== 'https://portcullis.invalid') return fallback;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // Never bounce back to the login page itself.
  if (url.pathname === '/login') return fallback;
  return path;
}
