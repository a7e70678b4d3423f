// Security issue 20, case 4: "a stranger can keep the owner out". Ten wrong codes from anywhere
// used to lock the address for everyone, the owner included, and ten requests every 15
// minutes kept it so. Now a browser that signed in before holds a device cookie (OWASP's
// device cookie technique) and counts in its own bucket; clients without one share the
// address's bucket and its time-bounded lock; and a day's ceiling bounds the guesses on the
// address (NIST SP 800-63B-4 §3.2.2: no more than 100 consecutive failures per account).
import { ProblemSchema } from '@portcullis/shared';
import {
  ADA,
  GRACE,
  auth0Calls,
  signIn,
  startStack,
  type Client,
  type Reply,
  type Stack,
} from './harness.js';
import { START, VERIFY, wrongCode } from './fixtures.js';

const LIMITS = {
  TRUST_PROXY: 'loopback',
  CODE_RESEND_SECONDS: '0',
  CODES_PER_EMAIL_PER_HOUR: '1000',
  FAILED_CODES_PER_EMAIL: '10',
  LOCKOUT_SECONDS: '900',
  FAILED_CODES_PER_EMAIL_PER_DAY: '50',
};
const STRANGER = { 'x-forwarded-for': '203.0.113.66' };
const NEWCOMER = { 'x-forwarded-for': '198.51.100.7' };
const DEVICE = 'portcullis-device';

/** The newest code the Auth0 emulator sent to `email`, over its HTTP control route. */
async function outbox(stack: Stack, email: string): Promise<Array<{ code: string }>> {
  const res = await fetch(
    `${stack.auth0.url}/__emulator/outbox?email=${encodeURIComponent(email)}`,
  );
  return ((await res.json()) as { messages: Array<{ code: string }> }).messages;
}

/** Asks for a code from `client`; resolves with the new code, or undefined when none was sent. */
async function codeFrom(
  stack: Stack,
  client: Client,
  email: string,
  headers: Record<string, string> = {},
): Promise<string | undefined> {
  const before = (await outbox(stack, email)).length;
  const res = await client.post(START, { email }, headers);
  expect(res.status).toBe(202);
  await stack.settle();
  const after = await outbox(stack, email);
  return after.length > before ? after[0]!.code : undefined;
}

/** Wrong codes for `email` from a client without a device cookie; returns the answers. */
async function strangerGuesses(stack: Stack, email: string, n: number): Promise<Reply[]> {
  const replies: Reply[] = [];
  for (let i = 0; i < n; i++) {
    const res = await stack.client().post(VERIFY, { email, code: '000000' }, STRANGER);
    ProblemSchema.parse(res.body);
    replies.push(res);
  }
  return replies;
}

describe('lockout: a stranger cannot keep the owner out', () => {
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('a successful sign-in sets the device cookie: HttpOnly, Secure, SameSite=Lax, Path=/, a nonce and a MAC', async () => {
    stack = await startStack(LIMITS);
    const client = stack.client();
    const code = await codeFrom(stack, client, ADA);
    const verify = await client.post(VERIFY, { email: ADA, code });
    expect(verify.status).toBe(200);
    const line = verify.setCookies.find((c) => c.startsWith(`${DEVICE}=`));
    expect(line).toMatch(/^portcullis-device=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22}; Max-Age=\d+;/);
    expect(line).toContain('HttpOnly');
    expect(line).toContain('Secure');
    expect(line).toContain('SameSite=Lax');
    expect(line).toContain('Path=/');
    // The address is not in it.
    expect(line!.toLowerCase()).not.toContain('ada');
    // Signing in again from that browser keeps its nonce (its bucket goes on).
    const nonce = client.jar.get(DEVICE)!.slice(0, 22);
    const again = await client.post(VERIFY, {
      email: ADA,
      code: await codeFrom(stack, client, ADA),
    });
    expect(again.status).toBe(200);
    expect(client.jar.get(DEVICE)!.slice(0, 22)).toBe(nonce);
    // A failed sign-in sets none.
    const failed = await stack.client().post(VERIFY, { email: GRACE, code: '000000' });
    expect(failed.status).toBe(401);
    expect(failed.setCookies).toEqual([]);
  });

  it("a stranger's 12 wrong codes: the owner's browser still gets a code and signs in; a first-time client is locked until the lock ends, then gets in", async () => {
    stack = await startStack(LIMITS);
    const s = stack;
    // The owner signed in on this browser before, and signed out since.
    const owner = await signIn(s, ADA);
    expect(owner.jar.get(DEVICE)).toBeDefined();
    expect((await owner.post('/api/auth/logout')).status).toBe(204);
    expect(owner.session).toBeUndefined();
    expect(owner.jar.get(DEVICE)).toBeDefined();

    // A stranger on another network sends wrong codes: ten are guesses (the tenth answers
    // with the lock it causes), then the lock.
    const guessed = auth0Calls(s, '/oauth/token');
    const statuses = (await strangerGuesses(s, ADA, 12)).map((r) => r.status);
    expect(statuses).toEqual([...Array<number>(9).fill(401), 429, 429, 429]);
    expect(auth0Calls(s, '/oauth/token') - guessed).toBe(10);

    // A first-time client (no device cookie) is sent no code, and even a right code is refused.
    const newcomer = s.client();
    expect(await codeFrom(s, newcomer, ADA, NEWCOMER)).toBeUndefined();
    const rightCode = (await outbox(s, ADA))[0]!.code;
    const tokenCalls = auth0Calls(s, '/oauth/token');
    const refused = await newcomer.post(VERIFY, { email: ADA, code: rightCode }, NEWCOMER);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('too_many_attempts');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800);
    expect(auth0Calls(s, '/oauth/token')).toBe(tokenCalls);
    // A forged device cookie, or one issued for another address, is no device cookie.
    const forged = s.client();
    forged.jar.set(DEVICE, `${owner.jar.get(DEVICE)!.slice(0, 23)}${'A'.repeat(22)}`);
    expect((await forged.post(VERIFY, { email: ADA, code: rightCode })).status).toBe(429);
    const graces = await signIn(s, GRACE);
    const borrowed = s.client();
    borrowed.jar.set(DEVICE, graces.jar.get(DEVICE)!);
    expect((await borrowed.post(VERIFY, { email: ADA, code: rightCode })).status).toBe(429);

    // The owner's browser, while the stranger's lock holds: a code is sent, a wrong guess is
    // its own (401, not the lock), and the right code signs in.
    const code = await codeFrom(s, owner, ADA);
    expect(code).toBeDefined();
    const typo = await owner.post(VERIFY, { email: ADA, code: wrongCode(code!) });
    expect(typo.status).toBe(401);
    expect(typo.body.code).toBe('invalid_code');
    const ownerIn = await owner.post(VERIFY, { email: ADA, code });
    expect(ownerIn.status).toBe(200);
    expect(ownerIn.body.user.email).toBe(ADA);
    expect(owner.session).toBeDefined();

    // The untrusted lock is bounded in time: after it, the first-time client gets in.
    s.advance(901_000);
    const late = await codeFrom(s, newcomer, ADA, NEWCOMER);
    expect(late).toBeDefined();
    const newcomerIn = await newcomer.post(VERIFY, { email: ADA, code: late }, NEWCOMER);
    expect(newcomerIn.status).toBe(200);
    expect(newcomer.jar.get(DEVICE)).toBeDefined();
  });

  it('a stranger renewing the lock for two days: at most FAILED_CODES_PER_EMAIL_PER_DAY (50) guesses a day reach Auth0, and the owner gets in throughout', async () => {
    stack = await startStack(LIMITS);
    const s = stack;
    const owner = await signIn(s, ADA);
    const tokenCalls = auth0Calls(s, '/oauth/token');
    const perDay: number[] = [];
    const longestLock: number[] = [];
    let offset = 0;
    for (let day = 0; day < 2; day++) {
      const before = auth0Calls(s, '/oauth/token');
      let longest = 0;
      // Twelve wrong codes as each 15-minute lock ends, for a whole day.
      for (let slot = 0; slot < 96; slot++) {
        for (const res of await strangerGuesses(s, ADA, 12)) {
          expect([401, 429]).toContain(res.status);
          if (res.status === 429)
            longest = Math.max(longest, Number(res.headers.get('retry-after')));
        }
        offset += 901_000;
        s.advance(offset);
      }
      perDay.push(auth0Calls(s, '/oauth/token') - before);
      longestLock.push(longest);
      // The owner's browser, at the end of each day: a code, and a session.
      const code = await codeFrom(s, owner, ADA);
      expect((await owner.post(VERIFY, { email: ADA, code })).status).toBe(200);
    }
    // 96 slots of 10 would be 960 a day; the ceiling holds each day's window to 50.
    expect(perDay).toEqual([50, 50]);
    // Those, the owner's two sign-ins, and nothing else reached Auth0.
    expect(auth0Calls(s, '/oauth/token') - tokenCalls).toBe(102);
    // Past the day's ceiling the lock lasts until the day's window ends (Retry-After says
    // so), far past 15 minutes.
    for (const seconds of longestLock) expect(seconds).toBeGreaterThan(12 * 3600);
  });
});
