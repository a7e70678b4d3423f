// Budgets hold under concurrency (issue 16): a request takes its place in a limit before the
// work the limit protects starts, so parallel requests cannot all pass a check that none of
// them has counted yet.
import { ADA, UNKNOWN, auth0Calls, startStack, type Reply, type Stack } from './harness.js';
import { START, VERIFY, requestCode, wrongCode } from './fixtures.js';

function tally(replies: Reply[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of replies) {
    const key = `${r.status} ${r.body?.code ?? ''}`.trim();
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe('budgets under concurrency', () => {
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it.each([
    ['an eligible address', ADA],
    ['an unknown address', UNKNOWN],
  ])(
    '40 parallel wrong codes for %s: at most FAILED_CODES_PER_EMAIL (10) reach Auth0, the rest are 429',
    async (_kind, email) => {
      stack = await startStack({
        CODE_RESEND_SECONDS: '0',
        FAILED_CODES_PER_EMAIL: '10',
        LOCKOUT_SECONDS: '900',
      });
      const s = stack;
      let bad = '123456';
      if (email === ADA) bad = wrongCode(await requestCode(s, email));
      else expect((await s.client().post(START, { email })).status).toBe(202);
      await s.settle();
      const before = auth0Calls(s, '/oauth/token');
      const replies = await Promise.all(
        Array.from({ length: 40 }, () => s.client().post(VERIFY, { email, code: bad })),
      );
      const reached = auth0Calls(s, '/oauth/token') - before;
      expect(reached).toBeGreaterThan(0);
      expect(reached).toBeLessThanOrEqual(10);
      for (const r of replies) expect([401, 429]).toContain(r.status);
      expect(replies.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(30);
      // And the address is locked afterwards, even for a right code.
      const after = await s.client().post(VERIFY, { email, code: bad });
      expect(after.status).toBe(429);
      expect(Number(after.headers.get('retry-after'))).toBeGreaterThan(800);
      expect(auth0Calls(s, '/oauth/token') - before).toBe(reached);
    },
  );

  it('20 parallel starts for one address: one code, one 202, the rest 429 for the resend cooldown', async () => {
    stack = await startStack({
      CODE_RESEND_SECONDS: '30',
      CODES_PER_EMAIL_PER_HOUR: '100',
      STARTS_PER_IP_PER_HOUR: '1000',
    });
    const s = stack;
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => s.client().post(START, { email: ADA })),
    );
    await s.settle();
    expect(tally(replies)).toEqual({ '202': 1, '429 rate_limited': 19 });
    expect(auth0Calls(s, '/passwordless/start')).toBe(1);
    expect(s.auth0.outbox(ADA)).toHaveLength(1);
  });

  it('parallel starts for one address with the cooldown off: exactly CODES_PER_EMAIL_PER_HOUR are admitted', async () => {
    stack = await startStack({
      CODE_RESEND_SECONDS: '0',
      CODES_PER_EMAIL_PER_HOUR: '5',
      STARTS_PER_IP_PER_HOUR: '1000',
    });
    const s = stack;
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => s.client().post(START, { email: ADA })),
    );
    await s.settle();
    expect(tally(replies)).toEqual({ '202': 5, '429 rate_limited': 15 });
    expect(auth0Calls(s, '/passwordless/start')).toBe(5);
  });

  it('a start that fails upstream (Salesforce down) gives its cooldown back: the retry is not 429', async () => {
    stack = await startStack({ CODE_RESEND_SECONDS: '30' });
    stack.salesforce.setFaults({ status: 503, count: 1 });
    const first = await stack.client().post(START, { email: ADA });
    expect(first.status).toBe(503);
    const retry = await stack.client().post(START, { email: ADA });
    expect(retry.status).toBe(202);
  });
});
