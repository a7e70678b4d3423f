import { describeControllerAuth } from '../../test/controller-spec.js';
import { SessionController } from './session.controller.js';

describe(SessionController.name, () => {
  // Both work from the cookie alone: logout must never fail, refresh answers for the session.
  const ctx = describeControllerAuth(SessionController, ['refresh', 'logout'], {
    runHandlers: true,
  });

  const route = (handler: string) => ctx().routes.find((r) => r.handler === handler)!;

  it('POST /api/auth/refresh without a cookie is session_expired from the handler, not the guard', async () => {
    const res = await ctx().request(route('refresh'));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('session_expired');
  });

  it.each([
    ['no credentials', {}],
    ['a garbage Bearer token', { authorization: 'Bearer garbage' }],
  ])('POST /api/auth/logout with %s answers 204', async (_name, headers) => {
    expect((await ctx().request(route('logout'), headers)).status).toBe(204);
  });
});
