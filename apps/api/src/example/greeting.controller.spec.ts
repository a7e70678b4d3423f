import { Reflector } from '@nestjs/core';
import { ADA, CHARLES, GRACE, startStack, type Stack } from '../../test/harness.js';
import { IS_PUBLIC } from '../auth/public.decorator.js';
import { GreetingController } from './greeting.controller.js';

/** What the global AuthGuard reads: @Public() on the handler or its controller. */
const isPublic = (handler: keyof GreetingController) =>
  new Reflector().getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
    Object.getOwnPropertyDescriptor(GreetingController.prototype, handler)!.value as () => unknown,
    GreetingController,
  ]);

describe(GreetingController.name, () => {
  it('is not @Public(): the global guard protects it without any configuration', () => {
    expect(isPublic('greet')).toBe(undefined);
  });

  describe('GET /api/greeting through the real AuthGuard', () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack();
    });

    afterAll(async () => {
      await stack.stop();
    });

    const bearer = (claims: Record<string, unknown> = {}) => {
      const now = Math.floor(Date.now() / 1000);
      const token = stack.auth0.signToken({
        iss: stack.auth0.issuer,
        sub: stack.auth0.ensureUser(ADA),
        aud: [stack.auth0.audience, `${stack.auth0.issuer}userinfo`],
        scope: 'openid email',
        azp: stack.auth0.clientId,
        iat: now,
        exp: now + 600,
        ...claims,
      });
      return { authorization: `Bearer ${token}` };
    };

    it.each([
      ['no credentials', () => ({})],
      ['a garbage Bearer token', () => ({ authorization: 'Bearer garbage' })],
      ['a token for another audience', () => bearer({ aud: 'https://other.api.test' })],
      ['a token issued to another application', () => bearer({ azp: 'another-client' })],
      ['a token from another issuer', () => bearer({ iss: 'https://evil.test/' })],
    ])('refuses %s with 401 unauthenticated', async (_name, headers) => {
      const res = await stack.client().get('/api/greeting', headers());
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'unauthenticated' });
    });

    it('greets the holder of a valid access token', async () => {
      const res = await stack.client().get('/api/greeting', bearer());
      expect(res.status).toBe(200);
      const id = stack.auth0.ensureUser(ADA);
      expect(res.body).toEqual({ message: `Hello, ${id}.`, userId: id });
    });

    it('refuses the valid token of a person Salesforce says may not sign in (403 not_eligible)', async () => {
      const res = await stack
        .client()
        .get('/api/greeting', bearer({ sub: stack.auth0.ensureUser(CHARLES) }));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('not_eligible');
    });

    it('refuses a valid token without the email scope: there is no address to check', async () => {
      const res = await stack
        .client()
        .get('/api/greeting', bearer({ sub: stack.auth0.ensureUser(GRACE), scope: 'openid' }));
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('unauthenticated');
    });

    it('re-checks a Bearer subject on the session interval: withdrawn in Salesforce, refused after it', async () => {
      const email = 'bearer.client@example.com';
      const contact = stack.salesforce.createContact({
        FirstName: 'Bearer',
        LastName: 'Client',
        Email: email,
        Portal_Access__c: true,
      });
      const token = bearer({ sub: stack.auth0.ensureUser(email) });
      expect((await stack.client().get('/api/greeting', token)).status).toBe(200);
      stack.salesforce.updateContact(contact, { Portal_Access__c: false });
      try {
        // Within the interval the answer stands; past it Salesforce is asked again.
        expect((await stack.client().get('/api/greeting', token)).status).toBe(200);
        stack.setApiClockOffset(stack.config.session.eligibilityRecheckSeconds * 1000 + 1000);
        const res = await stack.client().get('/api/greeting', token);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('not_eligible');
      } finally {
        stack.setApiClockOffset(0);
      }
    });
  });
});
