import {
  SPEC_PERSON,
  SPEC_SERVICE,
  describeControllerAuth,
  expectUnauthenticated,
} from '../../test/controller-spec.js';
import { GreetingController } from './greeting.controller.js';

describe(GreetingController.name, () => {
  // Guarded without any configuration: no module wiring, only the route rules beside each
  // handler. What the Bearer gate (Salesforce) adds is in test/tokens.e2e-spec.ts, services
  // and fresh eligibility against the emulators in test/principal.e2e-spec.ts.
  const ctx = describeControllerAuth(GreetingController, [], { runHandlers: true });
  const route = (handler: string) => ctx().routes.find((r) => r.handler === handler)!;

  it.each([
    ['another audience', { aud: 'https://other.api.test' }],
    ['another application', { azp: 'another-client' }],
    ['another issuer', { iss: 'https://evil.test/' }],
  ])('refuses a token for %s with 401 unauthenticated', async (_name, claims) => {
    expectUnauthenticated(await ctx().request(route('greet'), await ctx().bearer(claims)));
  });

  it('greets the holder of a valid access token by name or address', async () => {
    const res = await ctx().request(route('greet'), await ctx().bearer({ sub: 'email|ada' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: `Hello, ${SPEC_PERSON.email}.`, userId: 'email|ada' });
  });

  it('greets a service with greeting:read by its client id', async () => {
    const res = await ctx().request(route('greet'), await ctx().service(['greeting:read']));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: `Hello, ${SPEC_SERVICE}.`, clientId: SPEC_SERVICE });
  });

  it('takes the scope from Auth0 RBAC permissions too', async () => {
    const token = await ctx().service([], { permissions: ['greeting:read'] });
    expect((await ctx().request(route('greet'), token)).status).toBe(200);
  });

  it('says which scope is missing, and names it in WWW-Authenticate (RFC 6750 §3.1)', async () => {
    const res = await ctx().request(route('greet'), await ctx().service(['greeting:write']));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'insufficient_scope' });
    expect(res.body.detail).toContain('greeting:read');
    expect(res.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_scope", scope="greeting:read"',
    );
  });

  it.each([
    ['an application not in API_SERVICE_CLIENTS', { azp: 'unlisted', sub: 'unlisted@clients' }],
    ["a person's token from a listed application", { sub: 'email|ada' }],
    ['a service naming itself in client_id and azp differently', { client_id: 'other' }],
  ])('refuses %s with 401 unauthenticated', async (_name, claims) => {
    const res = await ctx().request(route('greet'), await ctx().service(['greeting:read'], claims));
    expectUnauthenticated(res);
  });

  it('places an order for a person, with the time of the eligibility it relied on', async () => {
    const res = await ctx().request(route('order'), await ctx().bearer(), { text: ' tea ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      text: 'tea',
      userId: 'email|controller-spec',
      eligibilityCheckedAt: new Date(SPEC_PERSON.checkedAt).toISOString(),
    });
  });

  it('refuses an order without text with 400 validation_failed', async () => {
    const res = await ctx().request(route('order'), await ctx().bearer(), { text: '' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
  });
});
