// Verify answers alike for eligible, ineligible and unknown addresses (issue 16): the same
// codes in the same order for wrong guesses, expiry and the per-address lockout, the same
// Auth0 round trip, and never a session for an address Salesforce refuses. Timing is
// measured by `npm run bench:timing -w @portcullis/api`.
import { ProblemSchema } from '@portcullis/shared';
import {
  ADA,
  CHARLES,
  UNKNOWN,
  auth0Calls,
  startStack,
  type Reply,
  type Stack,
} from './harness.js';
import { START, VERIFY, requestCode, wrongCode } from './fixtures.js';

const CLASSES = { eligible: ADA, ineligible: CHARLES, unknown: UNKNOWN } as const;
const ADA_RECORD = '0035g00000ADA01AAH';

/** What a client can compare between two answers: status and body, countdowns left out. */
function visible(res: Reply) {
  ProblemSchema.parse(res.body);
  const body = { ...(res.body as Record<string, unknown>) };
  delete body.retryAfterSeconds;
  return { status: res.status, body, retryAfter: res.headers.get('retry-after') !== null };
}

/**
 * Asks for a code and returns a guess that is wrong for it: for an eligible address the
 * emailed code plus one, for the others any code (none was sent).
 */
async function newCode(stack: Stack, email: string): Promise<string> {
  if (email === ADA) return wrongCode(await requestCode(stack, email));
  const res = await stack.client().post(START, { email });
  expect(res.status).toBe(202);
  await stack.settle();
  expect(stack.auth0.outbox(email)).toHaveLength(0);
  return '123456';
}

const guess = (stack: Stack, email: string, code: string) =>
  stack.client().post(VERIFY, { email, code });

describe('verify answers every address alike', () => {
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('wrong codes: invalid_code, invalid_code, then too_many_attempts from the third on, for every class, each asking Auth0', async () => {
    stack = await startStack({ CODE_RESEND_SECONDS: '0' });
    const seen: Record<string, unknown[]> = {};
    const tokenCalls: Record<string, number> = {};
    for (const [kind, email] of Object.entries(CLASSES)) {
      const bad = await newCode(stack, email);
      const before = auth0Calls(stack, '/oauth/token');
      seen[kind] = [];
      for (let i = 0; i < 4; i++) seen[kind].push(visible(await guess(stack, email, bad)));
      tokenCalls[kind] = auth0Calls(stack, '/oauth/token') - before;
    }
    expect(seen.eligible!.map((r) => (r as { body: { code: string } }).body.code)).toEqual([
      'invalid_code',
      'invalid_code',
      'too_many_attempts',
      'too_many_attempts',
    ]);
    expect(seen.ineligible).toEqual(seen.eligible);
    expect(seen.unknown).toEqual(seen.eligible);
    expect(tokenCalls).toEqual({ eligible: 4, ineligible: 4, unknown: 4 });
  });

  it('a new code starts the count of three over, for every class', async () => {
    stack = await startStack({ CODE_RESEND_SECONDS: '0' });
    const seen: Record<string, string[]> = {};
    for (const [kind, email] of Object.entries(CLASSES)) {
      seen[kind] = [];
      for (let round = 0; round < 2; round++) {
        const bad = await newCode(stack, email);
        for (let i = 0; i < 3; i++) seen[kind].push((await guess(stack, email, bad)).body.code);
      }
    }
    const once = ['invalid_code', 'invalid_code', 'too_many_attempts'];
    expect(seen).toEqual({
      eligible: [...once, ...once],
      ineligible: [...once, ...once],
      unknown: [...once, ...once],
    });
  });

  it('code_expired once the code has lived 180 s (and after), for every class; a new code is wrong again', async () => {
    stack = await startStack({ CODE_RESEND_SECONDS: '0' });
    const s = stack;
    const bad: Record<string, string> = {};
    for (const [kind, email] of Object.entries(CLASSES)) bad[kind] = await newCode(s, email);
    // Just inside the lifetime: still only wrong.
    s.advance(170_000);
    const inside: Record<string, unknown> = {};
    for (const [kind, email] of Object.entries(CLASSES))
      inside[kind] = visible(await guess(s, email, bad[kind]!));
    s.advance(181_000);
    const expired: Record<string, unknown[]> = {};
    for (const [kind, email] of Object.entries(CLASSES)) {
      expired[kind] = [];
      for (let i = 0; i < 3; i++) expired[kind].push(visible(await guess(s, email, bad[kind]!)));
    }
    const again: Record<string, string> = {};
    for (const [kind, email] of Object.entries(CLASSES))
      again[kind] = (await guess(s, email, await newCode(s, email))).body.code;

    expect((inside.eligible as { body: { code: string } }).body.code).toBe('invalid_code');
    expect(inside.ineligible).toEqual(inside.eligible);
    expect(inside.unknown).toEqual(inside.eligible);
    expect(expired.eligible!.map((r) => (r as { body: { code: string } }).body.code)).toEqual([
      'code_expired',
      'code_expired',
      'code_expired',
    ]);
    expect(expired.ineligible).toEqual(expired.eligible);
    expect(expired.unknown).toEqual(expired.eligible);
    expect(again).toEqual({
      eligible: 'invalid_code',
      ineligible: 'invalid_code',
      unknown: 'invalid_code',
    });
  });

  it('the per-address lockout comes at the same count for every class (FAILED_CODES_PER_EMAIL across re-issued codes)', async () => {
    stack = await startStack({
      CODE_RESEND_SECONDS: '0',
      CODES_PER_EMAIL_PER_HOUR: '100',
      FAILED_CODES_PER_EMAIL: '10',
      LOCKOUT_SECONDS: '900',
    });
    const seen: Record<string, unknown[]> = {};
    for (const [kind, email] of Object.entries(CLASSES)) {
      seen[kind] = [];
      // Four codes, three guesses each: the lock falls on the tenth guess, the first of the
      // fourth code, and stays (the right code would not help either).
      for (let round = 0; round < 4; round++) {
        const bad = await newCode(stack, email);
        for (let i = 0; i < 3; i++) seen[kind].push(visible(await guess(stack, email, bad)));
      }
    }
    const codes = seen.eligible!.map((r) => {
      const { status, body } = r as { status: number; body: { code: string; detail: string } };
      return `${status} ${body.code}${/address/.test(body.detail) ? ' (locked)' : ''}`;
    });
    expect(codes).toEqual([
      ...Array<string[]>(3)
        .fill(['401 invalid_code', '401 invalid_code', '429 too_many_attempts'])
        .flat(),
      '429 too_many_attempts (locked)',
      '429 too_many_attempts (locked)',
      '429 too_many_attempts (locked)',
    ]);
    expect(seen.ineligible).toEqual(seen.eligible);
    expect(seen.unknown).toEqual(seen.eligible);
  });

  it('eligibility withdrawn between start and verify: the right code gets no session (checked afresh, not from the cache)', async () => {
    stack = await startStack({ CODE_RESEND_SECONDS: '0', ELIGIBILITY_CACHE_SECONDS: '60' });
    const client = stack.client();
    const code = await requestCode(stack, ADA, client);
    stack.salesforce.updateContact(ADA_RECORD, { Portal_Access__c: false });
    // Typing the code takes a few seconds; the cached "eligible" is still within its 60 s.
    stack.advance(10_000);
    const revokesBefore = auth0Calls(stack, '/oauth/revoke');
    const res = await client.post(VERIFY, { email: ADA, code });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('invalid_code');
    expect(client.session).toBeUndefined();
    expect((await client.get('/api/me')).status).toBe(401);
    // The grant Auth0 issued for the code is given back.
    await stack.settle();
    expect(auth0Calls(stack, '/oauth/revoke')).toBe(revokesBefore + 1);
  });

  it('a right code still signs an eligible address in, and forgives its wrong guesses', async () => {
    stack = await startStack({ CODE_RESEND_SECONDS: '0', FAILED_CODES_PER_EMAIL: '3' });
    const client = stack.client();
    const code = await requestCode(stack, ADA, client);
    expect((await client.post(VERIFY, { email: ADA, code: wrongCode(code) })).status).toBe(401);
    expect((await client.post(VERIFY, { email: ADA, code: wrongCode(code) })).status).toBe(401);
    expect((await client.post(VERIFY, { email: ADA, code })).status).toBe(200);
    const next = await newCode(stack, ADA);
    expect((await guess(stack, ADA, next)).body.code).toBe('invalid_code');
    expect((await guess(stack, ADA, next)).body.code).toBe('invalid_code');
  });
});
