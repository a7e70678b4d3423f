import { Reflector } from '@nestjs/core';
import { startStack, type Stack } from '../../test/harness.js';
import { IS_PUBLIC } from '../auth/public.decorator.js';
import { SessionController } from './session.controller.js';

/** What the global AuthGuard reads: @Public() on the handler or its controller. */
const isPublic = (handler: keyof SessionController) =>
  new Reflector().getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
    Object.getOwnPropertyDescriptor(SessionController.prototype, handler)!.value as () => unknown,
    SessionController,
  ]);

describe(SessionController.name, () => {
  it.each(['refresh', 'logout'] as const)(
    '%s is @Public() (it works from the cookie)',
    (handler) => {
      expect(isPublic(handler)).toBe(true);
    },
  );

  describe('answers without credentials through the real AuthGuard', () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack();
    });

    afterAll(async () => {
      await stack.stop();
    });

    it('POST /api/auth/refresh reaches the handler: session_expired, not unauthenticated', async () => {
      const res = await stack.client().post('/api/auth/refresh');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('session_expired');
    });

    it.each([
      ['no credentials', {}],
      ['a garbage Bearer token', { authorization: 'Bearer garbage' }],
    ])('POST /api/auth/logout with %s answers 204', async (_name, headers) => {
      const res = await stack.client().post('/api/auth/logout', undefined, headers);
      expect(res.status).toBe(204);
    });
  });
});
