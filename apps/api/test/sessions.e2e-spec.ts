// Server-side sessions: a copied cookie stops working the moment its session ends, however
// it ends; the person can see and end their sessions; secrets rotate without signing anyone
// out; refreshes happen once per session; forged cookies never reach the store.
import { randomBytes } from 'node:crypto';
import { MeResponseSchema, SessionsResponseSchema } from '@portcullis/shared';
import { MemorySessionStore } from '../src/session/memory-session-store.js';
import { ADA, GRACE, auth0Calls, signIn, startStack, Client, type Stack } from './harness.js';
import { useStack } from './fixtures.js';

const SECRET_A = 'secret-a-that-is-long-enough-0123456789abcdef';
const SECRET_B = 'secret-b-that-is-long-enough-0123456789abcdef';

/** A store that counts reads, to prove what never reaches it. */
class SpyStore extends MemorySessionStore {
  reads = 0;
  override get(id: string) {
    this.reads++;
    return super.get(id);
  }
}

/** Token endpoint calls: after a sign-in, only refreshes call it. */
const refreshGrants = (stack: Stack) => auth0Calls(stack, '/oauth/token');

async function sessionsOf(client: Client) {
  const res = await client.get('/api/sessions');
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return SessionsResponseSchema.parse(res.body).sessions;
}

describe('server-side sessions', () => {
  const stack = useStack(
    { ELIGIBILITY_CACHE_SECONDS: '0' },
    {
      reset: (s) => {
        s.advance(0);
        s.auth0.clearFaults();
        s.auth0.configure({ revocationDeletesGrant: false });
      },
    },
  );

  it('a copied cookie is refused after logout, and the refresh token is revoked at Auth0', async () => {
    const client = await signIn(stack, ADA);
    const copy = client.copy();
    expect((await copy.get('/api/greeting')).status).toBe(200);
    const revokes = auth0Calls(stack, '/oauth/revoke');
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    expect(auth0Calls(stack, '/oauth/revoke')).toBe(revokes + 1);
    for (const path of ['/api/me', '/api/greeting', '/api/sessions']) {
      const res = await copy.get(path);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    }
  });

  it('lists the person’s sessions newest first, the current one marked, with device and times', async () => {
    const first = await signIn(stack, GRACE);
    const second = stack.client();
    // The device comes from the User-Agent at sign-in.
    const ua = {
      'user-agent':
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    };
    const known = stack.auth0.outbox(GRACE).length;
    await second.post('/api/auth/passwordless/start', { email: GRACE }, ua);
    await stack.settle();
    const code = stack.auth0.outbox(GRACE).slice(0, stack.auth0.outbox(GRACE).length - known)[0]!
      .code;
    expect(
      (await second.post('/api/auth/passwordless/verify', { email: GRACE, code }, ua)).status,
    ).toBe(200);

    const list = await sessionsOf(second);
    expect(list.length).toBeGreaterThanOrEqual(2);
    const [newest, older] = list as [(typeof list)[0], (typeof list)[0]];
    expect(newest).toMatchObject({ current: true, device: 'Chrome on macOS' });
    expect(older.current).toBe(false);
    expect(Date.parse(newest.createdAt)).toBeGreaterThanOrEqual(Date.parse(older.createdAt));
    expect(Date.parse(newest.expiresAt)).toBeGreaterThan(Date.now());
    expect(list.filter((s) => s.current)).toHaveLength(1);
    // The id is a public handle: not the cookie, nor any part of it.
    for (const s of list) {
      expect(second.session).not.toContain(s.id);
      expect(first.session).not.toContain(s.id);
    }
    // Seen from the other session, the marks swap.
    const fromFirst = await sessionsOf(first);
    expect(fromFirst.find((s) => s.id === newest.id)?.current).toBe(false);
    expect(fromFirst.find((s) => s.id === older.id)?.current).toBe(true);
  });

  it('DELETE /api/sessions/:id from another session ends that session at once', async () => {
    const phone = await signIn(stack, ADA);
    const laptop = await signIn(stack, ADA);
    const stolen = phone.copy();
    const phoneId = (await sessionsOf(phone)).find((s) => s.current)!.id;
    const revokes = auth0Calls(stack, '/oauth/revoke');
    expect((await laptop.delete(`/api/sessions/${phoneId}`)).status).toBe(204);
    expect(auth0Calls(stack, '/oauth/revoke')).toBe(revokes + 1);
    expect((await stolen.get('/api/me')).status).toBe(401);
    expect((await phone.get('/api/greeting')).status).toBe(401);
    expect((await laptop.get('/api/me')).status).toBe(200);
    expect((await sessionsOf(laptop)).some((s) => s.id === phoneId)).toBe(false);
    // Gone is gone: a second DELETE is the same 404 as for an id that never existed.
    const again = await laptop.delete(`/api/sessions/${phoneId}`);
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('not_found');
  });

  it('DELETE /api/sessions ends every other session of the person, not the current one, not anyone else’s', async () => {
    const a = await signIn(stack, ADA);
    const b = await signIn(stack, ADA);
    const grace = await signIn(stack, GRACE);
    const keeper = await signIn(stack, ADA);
    const copies = [a.copy(), b.copy()];
    expect((await keeper.delete('/api/sessions')).status).toBe(204);
    for (const c of [a, b, ...copies]) expect((await c.get('/api/me')).status).toBe(401);
    expect((await keeper.get('/api/me')).status).toBe(200);
    expect(await sessionsOf(keeper)).toHaveLength(1);
    expect((await grace.get('/api/me')).status).toBe(200);
  });

  it('someone else’s session can be neither listed nor ended: the same 404 as an unknown id', async () => {
    const ada = await signIn(stack, ADA);
    const grace = await signIn(stack, GRACE);
    const adaIds = (await sessionsOf(ada)).map((s) => s.id);
    const graceList = await sessionsOf(grace);
    for (const id of adaIds) expect(graceList.some((s) => s.id === id)).toBe(false);

    const theirs = await grace.delete(`/api/sessions/${adaIds[0]}`);
    const unknown = await grace.delete(`/api/sessions/${randomBytes(16).toString('base64url')}`);
    const garbage = await grace.delete('/api/sessions/..%2F..%2Fetc');
    for (const res of [theirs, unknown, garbage]) {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect(theirs.body).toEqual(unknown.body);
    expect((await ada.get('/api/me')).status).toBe(200);
    // Without a session, the sessions routes are 401.
    expect((await stack.client().get('/api/sessions')).status).toBe(401);
    expect((await stack.client().delete(`/api/sessions/${adaIds[0]}`)).status).toBe(401);
    expect((await stack.client().delete('/api/sessions')).status).toBe(401);
  });

  it('10 concurrent requests after the access token expired cause exactly one Auth0 refresh', async () => {
    const client = await signIn(stack, ADA);
    expect((await client.get('/api/me')).status).toBe(200);
    const before = refreshGrants(stack);
    stack.advance(25 * 3600_000); // past the emulator's 24 h access tokens
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => client.get(i % 2 ? '/api/me' : '/api/greeting')),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    expect(refreshGrants(stack)).toBe(before + 1);
    // The cookie did not change: the tokens rotate on the server.
    expect(answers.flatMap((a) => a.setCookies)).toEqual([]);
  });

  it('Auth0 refusing a refresh ends the session (401 session_expired, cookie cleared)', async () => {
    const client = await signIn(stack, ADA);
    const copy = client.copy();
    stack.auth0.reset(); // forgets every refresh token: the next refresh is invalid_grant
    stack.advance(25 * 3600_000);
    const res = await client.get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('session_expired');
    expect(res.setCookies.some((c) => /^portcullis=;/.test(c))).toBe(true);
    stack.advance(0);
    expect((await copy.get('/api/me')).status).toBe(401);
  });

  it('Auth0 unreachable during a refresh: 503 with Retry-After, and the session is kept', async () => {
    const client = await signIn(stack, ADA);
    stack.advance(25 * 3600_000);
    stack.auth0.setFaults({ status: 503 });
    const res = await client.get('/api/me');
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('upstream_unavailable');
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(res.setCookies).toEqual([]);
    stack.auth0.clearFaults();
    expect((await client.get('/api/me')).status).toBe(200);
  });

  it('idle expiry ends the session; a copied cookie stays refused', async () => {
    const client = await signIn(stack, ADA);
    const copy = client.copy();
    stack.setApiClockOffset(stack.config.session.idleSeconds * 1000 + 1000);
    const res = await client.get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('session_expired');
    stack.setApiClockOffset(0);
    expect((await copy.get('/api/me')).status).toBe(401);
  });
});

describe('server-side sessions: eligibility and absolute expiry', () => {
  const stack = useStack({
    ELIGIBILITY_CACHE_SECONDS: '0',
    ELIGIBILITY_RECHECK_SECONDS: '300',
    SESSION_IDLE_SECONDS: '3600',
    SESSION_ABSOLUTE_SECONDS: '7200',
  });

  it('eligibility withdrawn in Salesforce ends all the person’s sessions once the re-check interval passes', async () => {
    const a = await signIn(stack, ADA);
    const b = await signIn(stack, ADA);
    const copy = a.copy();
    const me = MeResponseSchema.parse((await a.get('/api/me')).body);
    stack.salesforce.updateContact(me.eligibility.recordId, { Portal_Access__c: false });
    try {
      // Within the interval the session goes on (no Salesforce call per request)...
      stack.setApiClockOffset(299_000);
      expect((await a.get('/api/me')).status).toBe(200);
      // ...past it, the request that notices asks Salesforce and everything ends.
      stack.setApiClockOffset(301_000);
      const res = await a.get('/api/me');
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_eligible');
      expect(a.jar.has('portcullis')).toBe(false);
      expect((await copy.get('/api/me')).status).toBe(401);
      expect((await b.get('/api/me')).status).toBe(401);
    } finally {
      stack.salesforce.updateContact(me.eligibility.recordId, { Portal_Access__c: true });
      stack.setApiClockOffset(0);
    }
  });

  it('absolute expiry ends a session in daily use', async () => {
    const client = await signIn(stack, GRACE);
    const copy = client.copy();
    // Used every 50 minutes: never idle for an hour, but the 2-hour absolute limit holds.
    for (const minutes of [50, 100]) {
      stack.setApiClockOffset(minutes * 60_000);
      const res = await client.get('/api/me');
      expect([res.status, res.body.code]).toEqual([200, undefined]);
    }
    stack.setApiClockOffset(121 * 60_000);
    const res = await client.get('/api/me');
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('session_expired');
    expect((await copy.get('/api/me')).status).toBe(401);
    stack.setApiClockOffset(0);
  });
});

describe('server-side sessions: forged cookies never reach the store', () => {
  let stack: Stack;
  const spy = new SpyStore({ now: () => Date.now() });

  beforeAll(async () => {
    stack = await startStack({}, {}, { sessionStore: spy });
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('random, truncated, re-MACed, oversized, shadowing and duplicate values are 401 without a store read', async () => {
    const client = await signIn(stack, ADA);
    const real = client.session!;
    const [id, mac] = real.split('.') as [string, string];
    const other = randomBytes(16).toString('base64url');
    const forged = [
      `${randomBytes(16).toString('base64url')}.${randomBytes(16).toString('base64url')}`,
      real.slice(0, -1),
      `${id}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`,
      `${other}.${mac}`,
      `${id}.${randomBytes(16).toString('base64url')}`,
      `${real}${'A'.repeat(4000)}`,
      'garbage',
      `${id}`,
    ];
    spy.reads = 0;
    for (const value of forged) {
      const res = await stack.client().get('/api/me', { cookie: `portcullis=${value}` });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    }
    // The cookie is found by its exact name only: `portcullis=` inside another cookie's value
    // is not ours, and two session cookies are refused rather than guessed between.
    const shadow = await stack.client().get('/api/me', {
      cookie: `foo=x portcullis=${real}; portcullis=${forged[0]}`,
    });
    expect(shadow.status).toBe(401);
    const duplicate = await stack.client().get('/api/me', {
      cookie: `portcullis=${real}; portcullis=${forged[0]}`,
    });
    expect(duplicate.status).toBe(401);
    const prefixed = await stack.client().get('/api/me', { cookie: `xportcullis=${real}` });
    expect(prefixed.status).toBe(401);
    expect(spy.reads).toBe(0);
    // The real cookie, alone or beside other cookies, still works.
    expect(
      (await stack.client().get('/api/me', { cookie: `a=1; portcullis=${real}; b=2` })).status,
    ).toBe(200);
  });
});

describe('server-side sessions: rotating SESSION_SECRETS keeps people signed in', () => {
  it('an old ring member still verifies and decrypts; the new one signs and encrypts', async () => {
    const store = new MemorySessionStore({ now: () => Date.now() });
    const old = await startStack({ SESSION_SECRETS: SECRET_A }, {}, { sessionStore: store });
    const upstreams = { auth0: old.auth0, salesforce: old.salesforce };
    const rotated = await startStack(
      { SESSION_SECRETS: `${SECRET_B},${SECRET_A}` },
      {},
      { sessionStore: store, upstreams },
    );
    const onlyNew = await startStack(
      { SESSION_SECRETS: SECRET_B },
      {},
      { sessionStore: store, upstreams },
    );
    try {
      const client = await signIn(old, ADA);
      const before = client.session!;
      // The same person, through an instance that already has the new secret first.
      const viaRotated = new Client(rotated.url);
      viaRotated.jar.set('portcullis', before);
      const res = await viaRotated.get('/api/me');
      expect(res.status).toBe(200);
      // The cookie is re-issued under the new secret (same session id, new MAC).
      const after = viaRotated.session!;
      expect(after).not.toBe(before);
      expect(after.split('.')[0]).toBe(before.split('.')[0]);
      expect((await viaRotated.get('/api/me')).setCookies).toEqual([]);
      // The tokens at rest were re-sealed under the new secret: an instance that no longer
      // knows the old one opens them.
      const viaNew = new Client(onlyNew.url);
      viaNew.jar.set('portcullis', after);
      expect((await viaNew.get('/api/me')).status).toBe(200);
      // And a cookie MACed only by a secret that left the ring is refused.
      const stale = new Client(onlyNew.url);
      stale.jar.set('portcullis', before);
      expect((await stale.get('/api/me')).status).toBe(401);
    } finally {
      await onlyNew.stop();
      await rotated.stop();
      await old.stop();
    }
  });
});

describe('server-side sessions and "Refresh Token Revocation Deletes Grant"', () => {
  async function twoSessionsThenLogoutOne(stack: Stack) {
    const ending = await signIn(stack, ADA);
    const staying = await signIn(stack, ADA);
    const revokes = auth0Calls(stack, '/oauth/revoke');
    expect((await ending.post('/api/auth/logout')).status).toBe(204);
    const revoked = auth0Calls(stack, '/oauth/revoke') - revokes;
    // The staying session's next refresh shows whether Auth0 still honours its token.
    stack.advance(25 * 3600_000);
    const res = await staying.get('/api/me');
    stack.advance(0);
    return { revoked, staying: res, stayingClient: staying };
  }

  it('tenant setting off (recommended), API default: logout revokes its token; the other session lives on', async () => {
    const stack = await startStack();
    try {
      stack.auth0.configure({ revocationDeletesGrant: false });
      const { revoked, staying } = await twoSessionsThenLogoutOne(stack);
      expect(revoked).toBe(1);
      expect(staying.status).toBe(200);
    } finally {
      await stack.stop();
    }
  });

  it('tenant setting on, AUTH0_REVOCATION_DELETES_GRANT=true: no revocation while others remain; the other lives on; the last one revokes', async () => {
    const stack = await startStack({ AUTH0_REVOCATION_DELETES_GRANT: 'true' });
    try {
      stack.auth0.configure({ revocationDeletesGrant: true });
      const { revoked, staying, stayingClient } = await twoSessionsThenLogoutOne(stack);
      expect(revoked).toBe(0);
      expect(staying.status).toBe(200);
      const revokes = auth0Calls(stack, '/oauth/revoke');
      expect((await stayingClient.post('/api/auth/logout')).status).toBe(204);
      expect(auth0Calls(stack, '/oauth/revoke')).toBe(revokes + 1);
    } finally {
      await stack.stop();
    }
  });

  it('tenant setting on but the API not told: the other session ends at its next refresh, and the log says why', async () => {
    const stack = await startStack();
    try {
      stack.auth0.configure({ revocationDeletesGrant: true });
      const { revoked, staying } = await twoSessionsThenLogoutOne(stack);
      expect(revoked).toBe(1);
      expect(staying.status).toBe(401);
      expect(staying.body.code).toBe('session_expired');
      expect(stack.logs.some((l) => l.includes('Refresh Token Revocation Deletes Grant'))).toBe(
        true,
      );
    } finally {
      await stack.stop();
    }
  });
});
