import { ADA, startStack, type Stack } from './harness.js';

function forwardedFor(stack: Stack): string | undefined {
  const starts = stack.auth0.requests().filter((r) => r.path === '/passwordless/start');
  return starts[starts.length - 1]?.headers['auth0-forwarded-for'];
}

describe('client IP and auth0-forwarded-for', () => {
  describe('TRUST_PROXY unset (trust none)', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack();
    });
    afterAll(async () => {
      await stack.stop();
    });

    it('ignores a spoofed X-Forwarded-For and forwards the socket address', async () => {
      await stack
        .client()
        .post('/api/auth/passwordless/start', { email: ADA }, { 'x-forwarded-for': '203.0.113.7' });
      await stack.settle();
      expect(forwardedFor(stack)).toBe('127.0.0.1');
    });
  });

  describe('TRUST_PROXY=loopback', () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack({ TRUST_PROXY: 'loopback' });
    });
    afterAll(async () => {
      await stack.stop();
    });

    it("believes the loopback proxy's X-Forwarded-For", async () => {
      await stack
        .client()
        .post(
          '/api/auth/passwordless/start',
          { email: ADA },
          { 'x-forwarded-for': '198.51.100.1, 203.0.113.9' },
        );
      await stack.settle();
      expect(forwardedFor(stack)).toBe('203.0.113.9');
    });
  });
});
