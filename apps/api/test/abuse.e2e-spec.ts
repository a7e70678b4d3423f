// Tests that attack: guessing codes, flooding start, rotating addresses and IPs. Limits are
// the documented defaults unless a test says otherwise.
import { ProblemSchema } from '@portcullis/shared';
import { ADA, CHARLES, UNKNOWN, auth0Calls, signIn, startStack, type Stack } from './harness.js';
import { START, VERIFY, requestCode, wrongCode } from './fixtures.js';

const DEFAULT_LIMITS = {
  CODE_RESEND_SECONDS: '30',
  CODES_PER_EMAIL_PER_HOUR: '5',
  STARTS_PER_IP_PER_HOUR: '30',
  FAILED_CODES_PER_EMAIL: '10',
  LOCKOUT_SECONDS: '900',
};

describe('abuse resistance', () => {
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('20 wrong codes in a row: at most the budget reaches Auth0, then the address is locked even for the right code', async () => {
    stack = await startStack({ ...DEFAULT_LIMITS, CODE_RESEND_SECONDS: '0' });
    const code = await requestCode(stack);
    const tokenCallsBefore = auth0Calls(stack, '/oauth/token');
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await stack.client().post(VERIFY, { email: ADA, code: wrongCode(code) });
      statuses.push(res.status);
      expect([401, 429]).toContain(res.status);
      ProblemSchema.parse(res.body);
    }
    expect(auth0Calls(stack, '/oauth/token') - tokenCallsBefore).toBeLessThanOrEqual(10);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);

    // A locked address is sent no new code; the one it had is refused without asking Auth0.
    const callsBeforeRight = auth0Calls(stack, '/oauth/token');
    const right = await stack.client().post(VERIFY, { email: ADA, code });
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('too_many_attempts');
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(auth0Calls(stack, '/oauth/token')).toBe(callsBeforeRight);
    expect(stack.logs.some((l) => l.includes('"event":"locked"'))).toBe(true);
  });

  it('a locked address is sent no code, and its start answers as before', async () => {
    stack = await startStack({ ...DEFAULT_LIMITS, CODE_RESEND_SECONDS: '0' });
    const code = await requestCode(stack);
    for (let i = 0; i < 10; i++)
      await stack.client().post(VERIFY, { email: ADA, code: wrongCode(code) });
    const sent = stack.auth0.outbox(ADA).length;
    const res = await stack.client().post(START, { email: ADA });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ resendAfterSeconds: 0, expiresInSeconds: 180, codeLength: 6 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stack.auth0.outbox(ADA)).toHaveLength(sent);
  });

  it('new codes requested between wrong guesses do not grant more guesses', async () => {
    stack = await startStack({
      ...DEFAULT_LIMITS,
      CODE_RESEND_SECONDS: '0',
      CODES_PER_EMAIL_PER_HOUR: '100',
    });
    let guesses = 0;
    let locked = false;
    let code = '';
    for (let round = 0; round < 8 && !locked; round++) {
      code = await requestCode(stack);
      for (let i = 0; i < 2; i++) {
        const res = await stack.client().post(VERIFY, { email: ADA, code: wrongCode(code) });
        guesses++;
        if (res.body.code === 'too_many_attempts' && Number(res.headers.get('retry-after')) > 60) {
          locked = true;
          break;
        }
      }
    }
    expect(locked).toBe(true);
    expect(guesses).toBe(10);
    const right = await stack.client().post(VERIFY, { email: ADA, code });
    expect(right.status).toBe(429);
  });

  it('a correct code resets the failure count', async () => {
    stack = await startStack({ ...DEFAULT_LIMITS, CODE_RESEND_SECONDS: '0' });
    for (let round = 0; round < 2; round++) {
      const code = await requestCode(stack);
      for (let i = 0; i < 2; i++)
        await stack.client().post(VERIFY, { email: ADA, code: wrongCode(code) });
      // A fresh code (Auth0 allows 3 tries per code) after 2 wrong ones still works.
      const ok = await stack.client().post(VERIFY, { email: ADA, code: await requestCode(stack) });
      expect(ok.status).toBe(200);
    }
  });

  it('200 starts from one IP: 30 get through, the rest are 429 rate_limited with Retry-After', async () => {
    stack = await startStack(DEFAULT_LIMITS);
    const client = stack.client();
    let accepted = 0;
    for (let i = 0; i < 200; i++) {
      const res = await client.post(START, { email: `flood${i}@example.com` });
      if (res.status === 202) accepted++;
      else {
        expect(res.status).toBe(429);
        expect(res.body.code).toBe('rate_limited');
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(res.body.retryAfterSeconds).toBe(Number(res.headers.get('retry-after')));
      }
    }
    expect(accepted).toBe(30);
  });

  it('50 distinct addresses from one IP, eligible ones among them: the IP limit holds and only admitted eligible ones get codes', async () => {
    stack = await startStack(DEFAULT_LIMITS);
    const client = stack.client();
    const emails = Array.from({ length: 48 }, (_, i) => `user${i}@example.com`);
    emails.splice(35, 0, ADA); // after the limit: refused
    emails.splice(3, 0, 'grace.hopper@example.com'); // before: admitted
    const statuses = [];
    for (const email of emails) statuses.push((await client.post(START, { email })).status);
    await stack.settle();
    expect(statuses.filter((s) => s === 202)).toHaveLength(30);
    expect(auth0Calls(stack, '/passwordless/start')).toBe(1);
    expect(stack.auth0.outbox(ADA)).toHaveLength(0);
  });

  it('the same address from many IPs (trusted proxy): the per-address limits hold', async () => {
    stack = await startStack({ ...DEFAULT_LIMITS, TRUST_PROXY: 'loopback' });
    const results = [];
    for (let i = 0; i < 10; i++) {
      const res = await stack
        .client()
        .post(START, { email: ADA }, { 'x-forwarded-for': `198.51.100.${i + 1}` });
      results.push(res.status);
    }
    // One code per 30 s cooldown, whatever the IP.
    expect(results).toEqual([202, ...Array<number>(9).fill(429)]);
    await stack.settle();
    expect(auth0Calls(stack, '/passwordless/start')).toBe(1);
  });

  it('the hourly per-address limit holds across IPs when the cooldown is off', async () => {
    stack = await startStack({
      ...DEFAULT_LIMITS,
      TRUST_PROXY: 'loopback',
      CODE_RESEND_SECONDS: '0',
    });
    const results = [];
    for (let i = 0; i < 8; i++) {
      const res = await stack
        .client()
        .post(START, { email: ADA }, { 'x-forwarded-for': `2001:db8:${i}::1` });
      results.push(res.status);
    }
    expect(results).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
  });

  it('IPv6 clients are limited per /64', async () => {
    stack = await startStack({ ...DEFAULT_LIMITS, TRUST_PROXY: 'loopback' });
    let accepted = 0;
    for (let i = 0; i < 40; i++) {
      const ip = `2001:db8:aaaa:bbbb:${(i + 1).toString(16)}::1`;
      const res = await stack
        .client()
        .post(START, { email: `v6-${i}@example.com` }, { 'x-forwarded-for': ip });
      if (res.status === 202) accepted++;
    }
    expect(accepted).toBe(30);
  });

  it('a spoofed X-Forwarded-For without a trusted proxy is ignored', async () => {
    stack = await startStack(DEFAULT_LIMITS);
    let accepted = 0;
    for (let i = 0; i < 40; i++) {
      const res = await stack
        .client()
        .post(
          START,
          { email: `spoof${i}@example.com` },
          { 'x-forwarded-for': `203.0.113.${i + 1}` },
        );
      if (res.status === 202) accepted++;
    }
    expect(accepted).toBe(30);
  });

  it('limits answer eligible, ineligible and unknown addresses identically', async () => {
    stack = await startStack({ ...DEFAULT_LIMITS, CODE_RESEND_SECONDS: '0' });
    const sequences: Record<string, Array<{ status: number; body: unknown }>> = {};
    for (const email of [ADA, CHARLES, UNKNOWN]) {
      sequences[email] = [];
      for (let i = 0; i < 7; i++) {
        const res = await stack.client().post(START, { email });
        const body = { ...res.body };
        delete body.retryAfterSeconds; // a countdown, equal up to the second the test ran in
        sequences[email].push({ status: res.status, body });
      }
    }
    expect(sequences[CHARLES]).toEqual(sequences[ADA]);
    expect(sequences[UNKNOWN]).toEqual(sequences[ADA]);
    expect(sequences[ADA]!.map((r) => r.status)).toEqual([202, 202, 202, 202, 202, 429, 429]);
  });

  it('the resend cooldown is announced and enforced', async () => {
    stack = await startStack(DEFAULT_LIMITS);
    const first = await stack.client().post(START, { email: CHARLES });
    expect(first.body.resendAfterSeconds).toBe(30);
    const second = await stack.client().post(START, { email: CHARLES });
    expect(second.status).toBe(429);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(25);
    expect(Number(second.headers.get('retry-after'))).toBeLessThanOrEqual(30);
  });

  it('security headers on API answers and on the served SPA', async () => {
    stack = await startStack(DEFAULT_LIMITS);
    for (const path of ['/api/health/live', '/api/me']) {
      const res = await stack.client().get(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      // HSTS only in production (a dev server on http://localhost must not pin HTTPS).
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
  });

  it('audit trail: one event per step, with a hashed email, the IP and the request id — never a secret', async () => {
    stack = await startStack({ ...DEFAULT_LIMITS, CODE_RESEND_SECONDS: '0' });
    await stack.client().post(START, { email: CHARLES });
    const client = await signIn(stack, ADA);
    const code = stack.auth0.outbox(ADA)[0]!.code;
    await stack.client().post(VERIFY, { email: ADA, code: wrongCode(code) });
    await client.post('/api/auth/refresh');
    const cookie = client.jar.get('portcullis')!;
    await client.post('/api/auth/logout');
    await stack.settle();

    const events = stack.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.audit === true);
    const names = events.map((e) => e.event);
    for (const name of [
      'code_requested',
      'eligibility_denied',
      'code_sent',
      'session_created',
      'verify_failed',
      'session_refreshed',
      'logged_out',
    ]) {
      expect(names).toContain(name);
    }
    for (const e of events) {
      expect(e.reqId).toEqual(expect.any(String));
      expect(e.ip).toBe('127.0.0.1');
    }
    const requested = events.filter((e) => e.event === 'code_requested');
    expect(
      requested.every((e) => typeof e.emailHash === 'string' && e.emailHash.length >= 16),
    ).toBe(true);
    const all = stack.logs.join('\n');
    expect(all.toLowerCase()).not.toContain('ada.lovelace');
    expect(all.toLowerCase()).not.toContain('charles.babbage');
    expect(all).not.toContain(code);
    expect(all).not.toContain(cookie);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});
