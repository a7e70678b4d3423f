import { Reflector } from '@nestjs/core';
import { startStack, type Stack } from '../../test/harness.js';
import { IS_PUBLIC } from '../auth/public.decorator.js';
import { HealthController } from './health.controller.js';

/** What the global AuthGuard reads: @Public() on the handler or its controller. */
const isPublic = (handler: keyof HealthController) =>
  new Reflector().getAllAndOverride<boolean | undefined>(IS_PUBLIC, [
    Object.getOwnPropertyDescriptor(HealthController.prototype, handler)!.value as () => unknown,
    HealthController,
  ]);

describe(HealthController.name, () => {
  it.each(['live', 'ready'] as const)('%s is @Public()', (handler) => {
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
    ])('GET /api/health/live with %s', async (_name, headers) => {
      const res = await stack.client().get('/api/health/live', headers);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok' });
    });

    it('GET /api/health/ready without credentials', async () => {
      const res = await stack.client().get('/api/health/ready');
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('ok');
    });
  });
});
