// One principal for every caller (issue 21): services calling with client-credentials tokens
// from the Auth0 emulator, people with a session cookie or their own Bearer token, and the
// route rules (people only by default, scopes, fresh eligibility, a recent sign-in) against
// both emulators over real HTTP.
import { MeResponseSchema } from '@portcullis/shared';
import { SERVICE_APPLICATION } from '@portcullis/emulators';
import { ORDER_ELIGIBILITY_SECONDS } from '../src/example/greeting.controller.js';
import { END_OTHERS_SIGN_IN_MINUTES } from '../src/session/sessions.controller.js';
import { freshUpstreams, VERIFY, requestCode, useStack } from './fixtures.js';
import { ADA, GRACE, signIn, type Client, type Stack } from './harness.js';

/** Listed in API_SERVICE_CLIENTS, created in the emulator by the tests that need it. */
const REPORTING = { clientId: 'portcullis-reporting', clientSecret: 'reporting-secret-0123' };

/** A client-credentials token from the Auth0 emulator, as a service gets one. */
async function serviceToken(
  stack: Stack,
  app: { clientId: string; clientSecret: string } = SERVICE_APPLICATION,
): Promise<Record<string, string>> {
  const res = await fetch(`${stack.auth0.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      audience: stack.auth0.audience,
    }),
  });
  if (res.status !== 200) throw new Error(`client_credentials answered ${res.status}`);
  const { access_token: token } = (await res.json()) as { access_token: string };
  return { authorization: `Bearer ${token}` };
}

/** A person's own access token (openid email), logged in against the emulator directly. */
async function personToken(stack: Stack, email: string): Promise<Record<string, string>> {
  const { auth0 } = stack;
  const app = { client_id: auth0.clientId, client_secret: auth0.clientSecret };
  await fetch(`${auth0.url}/passwordless/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...app, connection: 'email', send: 'code', email }),
  });
  const res = await fetch(`${auth0.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...app,
      grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
      realm: 'email',
      username: email,
      otp: auth0.outbox(email)[0]!.code,
      audience: auth0.audience,
      scope: 'openid email',
    }),
  });
  const { access_token: token } = (await res.json()) as { access_token: string };
  return { authorization: `Bearer ${token}` };
}

/** A new eligible contact in the Salesforce emulator (so withdrawing it disturbs no one). */
function newContact(stack: Stack, name: string): { email: string; id: string } {
  const email = `${name}.${Date.now()}@example.com`;
  const id = stack.salesforce.createContact({
    FirstName: name,
    LastName: 'Tester',
    Email: email,
    Portal_Access__c: true,
  });
  return { email, id };
}

describe('one principal for every caller', () => {
  const stack = useStack(
    { API_SERVICE_CLIENTS: `${SERVICE_APPLICATION.clientId},${REPORTING.clientId}` },
    {
      reset: (s) => {
        freshUpstreams(s);
        s.salesforce.clearFaults();
        s.auth0.configure({ rfc9068AccessTokens: false });
      },
    },
  );

  describe('services (client credentials)', () => {
    it('a service token from the emulator reads /api/greeting, named by its client id', async () => {
      const res = await stack.client().get('/api/greeting', await serviceToken(stack));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        message: `Hello, ${SERVICE_APPLICATION.clientId}.`,
        clientId: SERVICE_APPLICATION.clientId,
      });
    });

    it('so does one in the RFC 9068 profile (client_id instead of azp, typ at+jwt)', async () => {
      stack.auth0.configure({ rfc9068AccessTokens: true });
      const res = await stack.client().get('/api/greeting', await serviceToken(stack));
      expect(res.status).toBe(200);
      expect(res.body.clientId).toBe(SERVICE_APPLICATION.clientId);
    });

    it('a listed service without greeting:read is 403 insufficient_scope, naming the scope', async () => {
      stack.auth0.createApplication({ ...REPORTING, scopes: ['reports:read'] });
      const res = await stack.client().get('/api/greeting', await serviceToken(stack, REPORTING));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('insufficient_scope');
      expect(res.headers.get('www-authenticate')).toBe(
        'Bearer error="insufficient_scope", scope="greeting:read"',
      );
    });

    it('a service not in API_SERVICE_CLIENTS is 401 unauthenticated, scope or not', async () => {
      const unlisted = stack.auth0.createApplication({
        clientId: 'unlisted-service',
        scopes: ['greeting:read'],
      });
      const res = await stack.client().get('/api/greeting', await serviceToken(stack, unlisted));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it.each([
      ['GET', '/api/me'],
      ['GET', '/api/sessions'],
      ['DELETE', '/api/sessions'],
      ['POST', '/api/greeting/orders'],
    ])('a service token on the people-only %s %s is 403 people_only', async (method, path) => {
      const res = await stack.client().request(method, path, {
        headers: await serviceToken(stack),
        ...(method === 'POST' ? { json: { text: 'tea' } } : {}),
      });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('people_only');
    });

    it('asks nothing of Salesforce: a service is no person', async () => {
      const token = await serviceToken(stack);
      stack.salesforce.setFaults({ status: 503 });
      expect((await stack.client().get('/api/greeting', token)).status).toBe(200);
    });
  });

  describe('people', () => {
    it("a person's cookie and a person's own Bearer token both work on /api/greeting", async () => {
      const client = await signIn(stack, ADA);
      const me = MeResponseSchema.parse((await client.get('/api/me')).body);
      const byCookie = await client.get('/api/greeting');
      expect(byCookie.status).toBe(200);
      expect(byCookie.body).toEqual({ message: `Hello, ${ADA}.`, userId: me.user.id });

      const bearer = await personToken(stack, ADA);
      const byToken = await stack.client().get('/api/greeting', bearer);
      expect(byToken.status).toBe(200);
      expect(byToken.body).toEqual({ message: `Hello, ${ADA}.`, userId: me.user.id });
      const meByToken = MeResponseSchema.parse((await stack.client().get('/api/me', bearer)).body);
      expect(meByToken.user).toEqual(me.user);
    });

    it('a person withdrawn in Salesforce is refused at once on the fresh-eligibility route (its sessions end), while a route without the rule still answers from the recent check', async () => {
      const { email, id } = newContact(stack, 'Withdrawn');
      const client = await signIn(stack, email);
      const copy = client.copy();
      const placed = await client.post('/api/greeting/orders', { text: 'tea' });
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({ text: 'tea' });

      stack.salesforce.updateContact(id, { Portal_Access__c: false });
      // Past the order's freshness, well inside ELIGIBILITY_RECHECK_SECONDS.
      stack.setApiClockOffset((ORDER_ELIGIBILITY_SECONDS + 1) * 1000);
      expect((await client.get('/api/greeting')).status).toBe(200);
      const refused = await client.post('/api/greeting/orders', { text: 'more tea' });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('not_eligible');
      expect(client.jar.has('portcullis')).toBe(false);
      expect((await copy.get('/api/greeting')).status).toBe(401);
    });

    it("the same for a person's Bearer token: the gate asks Salesforce again for the order", async () => {
      const { email, id } = newContact(stack, 'Bearer');
      const token = await personToken(stack, email);
      expect(
        (await stack.client().post('/api/greeting/orders', { text: 'tea' }, token)).status,
      ).toBe(201);
      stack.salesforce.updateContact(id, { Portal_Access__c: false });
      stack.setApiClockOffset((ORDER_ELIGIBILITY_SECONDS + 1) * 1000);
      const refused = await stack.client().post('/api/greeting/orders', { text: 'tea' }, token);
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('not_eligible');
    });

    it('with a stale answer and Salesforce unable to answer, the order is 503 (fails closed) and the session stays', async () => {
      const client = await signIn(stack, GRACE);
      stack.setApiClockOffset((ORDER_ELIGIBILITY_SECONDS + 1) * 1000);
      stack.salesforce.setFaults({ status: 503 });
      const res = await client.post('/api/greeting/orders', { text: 'tea' });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('upstream_unavailable');
      expect(res.headers.get('retry-after')).toBeTruthy();
      stack.salesforce.clearFaults();
      expect(client.jar.has('portcullis')).toBe(true);
      expect((await client.post('/api/greeting/orders', { text: 'tea' })).status).toBe(201);
    });

    it('DELETE /api/sessions with an old sign-in is 401 reauthentication_required (nothing ends); after a fresh code it works', async () => {
      const client = await signIn(stack, ADA);
      const other = await signIn(stack, ADA);
      stack.advance((END_OTHERS_SIGN_IN_MINUTES + 1) * 60_000);

      const refused = await client.delete('/api/sessions');
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('reauthentication_required');
      // The session itself is fine: the cookie stays, the other session too.
      expect(client.jar.has('portcullis')).toBe(true);
      expect((await client.get('/api/me')).status).toBe(200);
      expect((await other.get('/api/me')).status).toBe(200);

      // The person proves their mailbox again in the same browser, and retries.
      await reauthenticate(stack, client, ADA);
      expect((await client.delete('/api/sessions')).status).toBe(204);
      expect((await other.get('/api/me')).status).toBe(401);
      expect((await client.get('/api/me')).status).toBe(200);
    });

    it("a person's Bearer token without auth_time never counts as a recent sign-in", async () => {
      const res = await stack.client().delete('/api/sessions', await personToken(stack, GRACE));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('reauthentication_required');
    });
  });
});

/** Start and verify with a fresh code in the browser that holds `client`'s cookie. */
async function reauthenticate(stack: Stack, client: Client, email: string): Promise<void> {
  const code = await requestCode(stack, email, client);
  const verify = await client.post(VERIFY, { email, code });
  expect(verify.status).toBe(200);
}
