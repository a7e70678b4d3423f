import { extractToken, tokenForCache, type RequestWithSession } from './jwt.strategy';
import type { SessionData } from './session.types';

const request = (authorization?: string, session?: Partial<SessionData>) =>
  ({
    headers: authorization === undefined ? {} : { authorization },
    ...(session ? { portcullisSession: session } : {}),
  }) as unknown as RequestWithSession;

describe('token extraction', () => {
  it('takes the session token first', () => {
    const req = request('Bearer other', { at: 'session.token.here' });
    expect(extractToken(req)).toBe('session.token.here');
    expect(tokenForCache(req)).toBe('session.token.here');
  });

  it('agrees with passport-jwt on the usual header', () => {
    const req = request('Bearer aaa.bbb.ccc');
    expect(tokenForCache(req)).toBe('aaa.bbb.ccc');
    expect(extractToken(req)).toBe('aaa.bbb.ccc');
  });

  it('hands any other shape to passport-jwt, or gives a key no verified token can equal', () => {
    // Another case for the scheme: passport-jwt's extractor decides.
    expect(tokenForCache(request('bearer aaa.bbb.ccc'))).toBe(
      extractToken(request('bearer aaa.bbb.ccc')),
    );
    // Whitespace inside: the cache key keeps it (so it can only miss); verification uses
    // what passport-jwt extracts.
    const odd = request('Bearer aaa.bbb.ccc trailing');
    expect(tokenForCache(odd)).toBe('aaa.bbb.ccc trailing');
    expect(extractToken(odd)).toBe('aaa.bbb.ccc');
    expect(tokenForCache(request('Basic dXNlcjpwYXNz'))).toBeNull();
    expect(tokenForCache(request())).toBeNull();
  });
});
