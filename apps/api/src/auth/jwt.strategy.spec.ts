import type { AuthRequest } from './auth.types.js';
import { bearerForCache, extractToken, toTokenSubject } from './jwt.strategy.js';
import type { LiveSession } from '../session/session.service.js';

const request = (authorization?: string, at?: string) =>
  ({
    headers: authorization === undefined ? {} : { authorization },
    ...(at
      ? {
          portcullisSession: { tokens: { at }, record: { user: { id: 'email|1' } } } as LiveSession,
        }
      : {}),
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

describe('toTokenSubject: whose token it is', () => {
  const clients = { clientId: 'people-app', serviceClients: new Set(['reporting']) };
  const now = Math.floor(Date.now() / 1000);
  const subject = (claims: Record<string, unknown>, at?: string) =>
    toTokenSubject(request(undefined, at), { exp: now + 60, ...claims }, clients);

  it("our application's token is a person's, with its expiry and auth_time", () => {
    expect(subject({ azp: 'people-app', sub: 'email|1', auth_time: now - 5 })).toEqual({
      kind: 'person',
      id: 'email|1',
      expiresAt: (now + 60) * 1000,
      authTime: (now - 5) * 1000,
    });
    expect(subject({ client_id: 'people-app', sub: 'email|1' })).toMatchObject({
      kind: 'person',
      authTime: undefined,
    });
  });

  it("a listed application's client-credentials token is a service, scopes from scope and permissions", () => {
    const service = subject({
      client_id: 'reporting',
      sub: 'reporting@clients',
      scope: 'a:read  b:read',
      permissions: ['b:read', 'c:write', 7],
    });
    expect(service).toEqual({
      kind: 'service',
      clientId: 'reporting',
      scopes: ['a:read', 'b:read', 'c:write'],
    });
    expect(Object.isFrozen(service)).toBe(true);
  });

  it.each([
    ['an unlisted application', { azp: 'other', sub: 'other@clients' }],
    ["a person's token from a listed application", { azp: 'reporting', sub: 'email|1' }],
    ['no application', { sub: 'email|1' }],
    ['azp and client_id disagreeing', { azp: 'people-app', client_id: 'reporting', sub: 'x' }],
    ['a non-string azp', { azp: 7, sub: 'email|1' }],
    ['no subject', { azp: 'people-app' }],
  ])('refuses %s with unauthenticated', (_name, claims) => {
    expect(() => subject(claims)).toThrow(
      expect.objectContaining({ code: 'unauthenticated' }) as Error,
    );
  });

  it("never takes a service's token as a session's", () => {
    expect(() => subject({ azp: 'reporting', sub: 'reporting@clients' }, 'session.token')).toThrow(
      expect.objectContaining({ code: 'unauthenticated' }) as Error,
    );
  });
});
