import { Reflector } from '@nestjs/core';
import { startStack, type Stack } from '../../test/harness';
import { IS_PUBLIC } from '../auth/public.decorator';
import { GreetingController } from './greeting.controller';

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
        sub: 'email|greeting',
        aud: stack.auth0.audience,
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
      expect(res.body).toEqual({ message: 'Hello, email|greeting.', userId: 'email|greeting' });
    });
  });
});
