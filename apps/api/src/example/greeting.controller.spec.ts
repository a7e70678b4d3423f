import { describeControllerAuth, expectUnauthenticated } from '../../test/controller-spec.js';
import { GreetingController } from './greeting.controller.js';

describe(GreetingController.name, () => {
  // Guarded without any configuration: no decorator, no module wiring. What the Bearer gate
  // (Salesforce) adds is in test/tokens.e2e-spec.ts.
  const ctx = describeControllerAuth(GreetingController, [], { runHandlers: true });

  it.each([
    ['another audience', { aud: 'https://other.api.test' }],
    ['another application', { azp: 'another-client' }],
    ['another issuer', { iss: 'https://evil.test/' }],
  ])('refuses a token for %s with 401 unauthenticated', async (_name, claims) => {
    const [greet] = ctx().routes;
    expectUnauthenticated(await ctx().request(greet!, await ctx().bearer(claims)));
  });

  it('greets the holder of a valid access token', async () => {
    const [greet] = ctx().routes;
    const res = await ctx().request(greet!, await ctx().bearer({ sub: 'email|ada' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Hello, email|ada.', userId: 'email|ada' });
  });
});
