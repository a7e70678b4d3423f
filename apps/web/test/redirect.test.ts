import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from '../src/lib/redirect';

const ORIGIN = 'https://app.example';

describe('safeRedirectPath', () => {
  it.each([
    '/',
    '/account',
    '/account/settings?tab=2#top',
    '/a%20b',
    '/sessions?from=//not-a-host#//also-not',
    '/a/b/',
    '/%E2%9C%93',
  ])('keeps the in-app path %s', (p) => {
    expect(safeRedirectPath(p)).toBe(p);
  });

  it.each([
    ['/./account', '/account'],
    ['/a/../account', '/account'],
    ['/a b', '/a%20b'],
  ])('normalises %s to %s', (input, output) => {
    expect(safeRedirectPath(input)).toBe(output);
  });

  it.each([
    // Other origins, spelled every way a browser accepts.
    'https://evil.example/',
    'https://evil.example',
    'http:evil.example',
    '//evil.example',
    '///evil.example',
    '/.//evil.example',
    '/..//evil.example',
    '/../..//evil.example',
    '/a/..//evil.example',
    '/././/evil.example',
    '/%2F%2Fevil.example',
    '/%2f/evil.example',
    '/%252F%252Fevil.example',
    '/%5Cevil.example',
    '/%2F%5Cevil.example',
    '/\\evil.example',
    '/\\/evil.example',
    '\\\\evil.example',
    '\\/evil.example',
    '/\t/evil.example',
    '/\n/evil.example',
    '/\r\n/evil.example',
    '/%09/evil.example',
    '/%0A/evil.example',
    ' //evil.example',
    '\t//evil.example',
    // Schemes.
    'javascript:alert(1)',
    'java\tscript:alert(1)',
    '/javascript:alert(1)\u0000',
    'data:text/html,<script>alert(1)</script>',
    // Credentials and other hosts through the authority.
    '//user:pass@evil.example',
    '/@evil.example\\',
    // The login page itself, however spelled.
    '/login',
    '/login/',
    '/LOGIN',
    '/./login',
    '/%6Cogin',
    '/login?redirect=/x',
    // Not paths, or not strings.
    'account',
    '?x=1',
    '#top',
    '/x\u0000',
    '/x\u007f',
    '/x\u0085',
    '/%',
    '/%E0%A4%A',
    '',
    undefined,
    null,
    42,
    ['/account'],
    { toString: () => '/account' },
    `/${'a'.repeat(5000)}`,
  ])('refuses %j', (p) => {
    expect(safeRedirectPath(p)).toBe('/');
  });

  it('returns the given fallback when it refuses', () => {
    expect(safeRedirectPath('//evil.example', '/home')).toBe('/home');
  });

  it('never returns anything that resolves to another origin', () => {
    const prefixes = ['/', '//', '/./', '/../', '/.//', '/%2F', '/\\', '\\', '/%5C', ''];
    const middles = ['', '/', '.', '..', '%2e', '%2E%2E', '\t', '@', ':'];
    const hosts = ['evil.example', '/evil.example', 'evil.example/x'];
    for (const a of prefixes)
      for (const b of middles)
        for (const c of hosts) {
          const out = safeRedirectPath(`${a}${b}${c}`);
          expect(new URL(out, ORIGIN).origin).toBe(ORIGIN);
          expect(out.startsWith('/')).toBe(true);
          expect(out.startsWith('//')).toBe(false);
          expect(decodeURIComponent(out.split(/[?#]/)[0]!).startsWith('//')).toBe(false);
        }
  });
});
