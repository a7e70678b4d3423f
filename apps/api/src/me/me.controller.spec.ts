import { Reflector } from '@nestjs/core';
import { ADA, signIn, startStack, type Stack } from '../../test/harness.js';
import { IS_PUBLIC } from '../auth/public.decorator.js';
import { MeController } from './me.controller.js';

/** What the global AuthGuard reads: @Public() on the handler or its controller. */
const isPublic = (handler: keyof MeController) =>
  new Reflector().getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
    Object.getOwnPropertyDescriptor(MeController.prototype, handler)!.value as () => unknown,
    MeController,
  ]);

describe(MeController.name, () => {
  it('is not @Public(): the global guard protects it', () => {
    expect(isPublic('me')).toBe(undefined);
  });

  describe('GET /api/me through the real AuthGuard', () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack();
    });

    afterAll(async () => {
      await stack.stop();
    });

    const get = (headers: Record<string, string> = {}) => stack.client().get('/api/me', headers);

    const expectProblem = (
      res: Awaited<ReturnType<typeof get>>,
      code: 'unauthenticated' | 'session_expired',
    ) => {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code });
    };

    it('refuses a request without credentials', async () => {
      expectProblem(await get(), 'unauthenticated');
    });

    it('refuses a garbage Bearer token', async () => {
      expectProblem(await get({ authorization: 'Bearer garbage' }), 'unauthenticated');
    });

    it('refuses a garbage session cookie', async () => {
      const cookie = `${stack.config.session.cookieName}=garbage`;
      expectProblem(await get({ cookie }), 'unauthenticated');
    });

    it('refuses an expired token as session_expired', async () => {
      const now = Math.floor(Date.now() / 1000);
      const token = stack.auth0.signToken({
        iss: stack.auth0.issuer,
        sub: 'email|expired',
        aud: stack.auth0.audience,
        azp: stack.auth0.clientId,
        iat: now - 7200,
        exp: now - 3600,
      });
      expectProblem(await get({ authorization: `Bearer ${token}` }), 'session_expired');
    });

    it('answers a signed-in session', async () => {
      const client = await signIn(stack, ADA);
      const res = await client.get('/api/me');
      expect(res.status).toBe(200);
      expect(res.body.user.email).toBe(ADA);
    });
  });
});
