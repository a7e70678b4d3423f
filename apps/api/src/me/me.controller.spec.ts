import { describeControllerAuth, expectUnauthenticated } from '../../test/controller-spec.js';
import { MeController } from './me.controller.js';

describe(MeController.name, () => {
  const ctx = describeControllerAuth(MeController);

  it('refuses an expired token as session_expired (the client refreshes, not signs in)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const [me] = ctx().routes;
    const res = await ctx().request(me!, await ctx().bearer({ iat: now - 7200, exp: now - 3600 }));
    expectUnauthenticated(res, 'session_expired');
  });
});
