import type { AuthRequest } from './auth.types.js';
import { bearerForCache, extractToken } from './jwt.strategy.js';
import type { LiveSession } from '../session/session.service.js';

const request = (authorization?: string, at?: string) =>
  ({
    headers: authorization === undefined ? {} : { authorization },
    ...(at ? { portcullisSession: { tokens: { at } } as LiveSession } : {}),
  }) as unknown as AuthRequest;

describe('token extraction', () => {
  it('verifies the session’s own token when the guard put a session on the request', () => {
    expect(extractToken(request('Bearer other', 'session.token.here'))).toBe('session.token.here');
  });

  it('agrees with passport-jwt on the usual header', () => {
    const req = request('Bearer aaa.bbb.ccc');
    expect(bearerForCache(req)).toBe('aaa.bbb.ccc');
    expect(extractToken(req)).toBe('aaa.bbb.ccc');
  });

  it('hands any other shape to passport-jwt, or gives a key no verified token can equal', () => {
    // Another case for the scheme: passport-jwt's extractor decides.
    expect(bearerForCache(request('bearer aaa.bbb.ccc'))).toBe(
      extractToken(request('bearer aaa.bbb.ccc')),
    );
    // Whitespace inside: the cache key keeps it (so it can only miss); verification uses
    // what passport-jwt extracts.
    const odd = request('Bearer aaa.bbb.ccc trailing');
    expect(bearerForCache(odd)).toBe('aaa.bbb.ccc trailing');
    expect(extractToken(odd)).toBe('aaa.bbb.ccc');
    expect(bearerForCache(request('Basic dXNlcjpwYXNz'))).toBeNull();
    expect(bearerForCache(request())).toBeNull();
  });
});
