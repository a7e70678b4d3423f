import { Reflector } from '@nestjs/core';
import { UNKNOWN, startStack, type Stack } from '../../test/harness.js';
import { IS_PUBLIC } from '../auth/public.decorator.js';
import { PasswordlessController } from './passwordless.controller.js';

/** What the global AuthGuard reads: @Public() on the handler or its controller. */
const isPublic = (handler: keyof PasswordlessController) =>
  new Reflector().getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
    Object.getOwnPropertyDescriptor(PasswordlessController.prototype, handler)!
      .value as () => unknown,
    PasswordlessController,
  ]);

describe(PasswordlessController.name, () => {
  it.each(['start', 'verify'] as const)('%s is @Public()', (handler) => {
    expect(isPublic(handler)).toBe(true);
  });

  describe('answers without credentials through the real AuthGuard', () => {
    let stack: Stack;

    beforeAll(async () => {
      stack = await startStack();
    });

    afterAll(async () => {
      await stack.stop();
    });

    it.each([
      ['no credentials', {}],
      ['a garbage Bearer token', { authorization: 'Bearer garbage' }],
    ])('POST /api/auth/passwordless/start with %s', async (_name, headers) => {
      const res = await stack
        .client()
        .post('/api/auth/passwordless/start', { email: UNKNOWN }, headers);
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        resendAfterSeconds: stack.config.limits.codeResendSeconds,
        expiresInSeconds: 180,
      });
    });

    it('POST /api/auth/passwordless/verify reaches the handler (its own 401, not the guard)', async () => {
      const res = await stack
        .client()
        .post('/api/auth/passwordless/verify', { email: UNKNOWN, code: '123456' });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('invalid_code');
    });
  });
});
