import { describe, expect, it } from 'vitest';
import { safeRedirectPath } from '../src/lib/redirect';

describe('safeRedirectPath', () => {
  it.each(['/', '/account', '/account/settings?tab=2#top', '/a%20b'])(
    'keeps the in-app path %s',
    (p) => {
      expect(safeRedirectPath(p)).toBe(p);
    },
  );

  it.each([
    'https://evil.example/',
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'javascript:alert(1)',
    '/login',
    '/login?redirect=/x',
    'account',
    '/x\u0000',
    '',
    undefined,
    42,
    `/${'a'.repeat(5000)}`,
  ])('refuses %j', (p) => {
    expect(safeRedirectPath(p)).toBe('/');
  });
});
