// Past STARTS_GLOBAL_PER_MINUTE, start asks for a proof of work instead of locking everyone
// out (issue 16): 428 `challenge_required` with an ALTCHA challenge, alike for every address;
// a retry carrying a valid, unused solution in `proof` proceeds as usual. The test solves the
// challenges the way a non-browser client would, with altcha-lib's solver.
import { ChallengeProblemSchema, PROBLEM_CONTENT_TYPE, type Challenge } from '@portcullis/shared';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import {
  ADA,
  CHARLES,
  UNKNOWN,
  auth0Calls,
  startStack,
  waitForCode,
  type Reply,
  type Stack,
} from './harness.js';
import { START, VERIFY } from './fixtures.js';

/** What a client sends back: base64 of JSON { challenge, solution }. */
async function solve(challenge: Challenge): Promise<string> {
  return (await solved(challenge)).proof;
}

/** The proof and the counter the solver had to reach (the work it took). */
async function solved(challenge: Challenge): Promise<{ proof: string; counter: number }> {
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('no solution');
  const proof = Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
  return { proof, counter: solution.counter };
}

function challengeOf(res: Reply): Challenge {
  expect(res.status).toBe(428);
  expect(res.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return ChallengeProblemSchema.parse(res.body).challenge;
}

/** Uses up the global budget with other people's starts. */
async function flood(stack: Stack, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await stack.client().post(START, { email: `rotating-${i}@example.com` });
    expect(res.status).toBe(202);
  }
}

const FLOODED = {
  STARTS_GLOBAL_PER_MINUTE: '5',
  // Cheap challenges: the test is about the protocol, not the work.
  CHALLENGE_DIFFICULTY: '500',
  // The defaults of the per-IP and per-address limits are not in the way of 10 starts, but
  // the resend cooldown is on: a 428 must not start it.
  CODE_RESEND_SECONDS: '30',
  STARTS_PER_IP_PER_HOUR: '30',
  // Clients on other networks, through a trusted loopback proxy (X-Forwarded-For).
  TRUST_PROXY: 'loopback',
};

describe('the flood challenge', () => {
  let stack: Stack | undefined;

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });

  it('past the global limit a fresh address gets 428 with a challenge; the solved retry gets 202 and the code is sent', async () => {
    stack = await startStack(FLOODED);
    await flood(stack, 5);
    const client = stack.client();
    const asked = await client.post(START, { email: ADA });
    const challenge = challengeOf(asked);
    expect(asked.body.retryAfterSeconds).toBeUndefined();
    await stack.settle();
    expect(stack.auth0.outbox(ADA)).toHaveLength(0);

    const known = stack.auth0.outbox(ADA).length;
    const retry = await client.post(START, { email: ADA, proof: await solve(challenge) });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ resendAfterSeconds: 30, expiresInSeconds: 180, codeLength: 6 });
    // And the sign-in goes on as usual.
    const code = await waitForCode(stack, ADA, known);
    expect((await client.post(VERIFY, { email: ADA, code })).status).toBe(200);
  });

  it('a solution is single-use: the same proof again (even for another address) gets a new challenge', async () => {
    stack = await startStack({ ...FLOODED, CODE_RESEND_SECONDS: '0' });
    await flood(stack, 5);
    const proof = await solve(challengeOf(await stack.client().post(START, { email: CHARLES })));
    expect((await stack.client().post(START, { email: CHARLES, proof })).status).toBe(202);
    const again = await stack.client().post(START, { email: CHARLES, proof });
    challengeOf(again);
    expect(again.body.detail).toMatch(/not valid|used/);
    challengeOf(await stack.client().post(START, { email: UNKNOWN, proof }));
  });

  it('the same proof sent twice at once: exactly one is admitted', async () => {
    stack = await startStack({ ...FLOODED, CODE_RESEND_SECONDS: '0' });
    const s = stack;
    await flood(s, 5);
    const proof = await solve(challengeOf(await s.client().post(START, { email: UNKNOWN })));
    const replies = await Promise.all([
      s.client().post(START, { email: UNKNOWN, proof }),
      s.client().post(START, { email: UNKNOWN, proof }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([202, 428]);
  });

  it('refuses a tampered, a foreign and an expired proof, and junk', async () => {
    stack = await startStack({ ...FLOODED, CODE_RESEND_SECONDS: '0' });
    const s = stack;
    await flood(s, 5);
    const challenge = challengeOf(await s.client().post(START, { email: UNKNOWN }));
    const good = JSON.parse(Buffer.from(await solve(challenge), 'base64').toString()) as {
      challenge: Challenge;
      solution: { counter: number; derivedKey: string };
    };
    const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64');
    const tampered = [
      // A key that is not the derived one (the key is the proof of work; the counter that
      // led to it is not checked).
      { ...good, solution: { ...good.solution, derivedKey: '00'.repeat(32) } },
      { ...good, solution: { ...good.solution, derivedKey: good.solution.derivedKey.slice(2) } },
      // An easier challenge than the one signed.
      {
        ...good,
        challenge: {
          ...good.challenge,
          parameters: { ...good.challenge.parameters, keyPrefix: '00' },
        },
      },
    ];
    for (const payload of tampered)
      challengeOf(await s.client().post(START, { email: UNKNOWN, proof: encode(payload) }));
    for (const proof of ['bm90IGpzb24=', encode({ challenge: 1 }), 'x'])
      challengeOf(await s.client().post(START, { email: UNKNOWN, proof }));

    // Signed by another deployment (another session secret).
    const other = await startStack({
      ...FLOODED,
      CODE_RESEND_SECONDS: '0',
      SESSION_SECRETS: 'another-deployment-secret-0123456789abcdef',
    });
    try {
      await flood(other, 5);
      const foreign = await solve(
        challengeOf(await other.client().post(START, { email: UNKNOWN })),
      );
      challengeOf(await s.client().post(START, { email: UNKNOWN, proof: foreign }));
    } finally {
      await other.stop();
    }

    // Solved, but redeemed after its 90 seconds.
    const late = await solve(challengeOf(await s.client().post(START, { email: UNKNOWN })));
    s.setApiClockOffset(91_000);
    const tooLate = await s.client().post(START, { email: 'late@example.com' });
    // Past the minute the global window has emptied: no proof is needed.
    expect(tooLate.status).toBe(202);
    await flood(s, 4);
    challengeOf(await s.client().post(START, { email: UNKNOWN, proof: late }));
  });

  it('alike for every address: same status and body but the challenge, and nothing sent', async () => {
    stack = await startStack(FLOODED);
    await flood(stack, 5);
    const bodies: Record<string, unknown> = {};
    for (const email of [ADA, CHARLES, UNKNOWN]) {
      const res = await stack.client().post(START, { email });
      challengeOf(res);
      const body = { ...(res.body as Record<string, unknown>) };
      delete body.challenge;
      bodies[email] = { status: res.status, body };
    }
    expect(bodies[CHARLES]).toEqual(bodies[ADA]);
    expect(bodies[UNKNOWN]).toEqual(bodies[ADA]);
    await stack.settle();
    expect(auth0Calls(stack, '/passwordless/start')).toBe(0);
  });

  it('a 428 costs the person nothing: no cooldown started, no per-address or per-IP count taken', async () => {
    stack = await startStack({
      ...FLOODED,
      CODES_PER_EMAIL_PER_HOUR: '1',
      STARTS_PER_IP_PER_HOUR: '7',
    });
    await flood(stack, 5);
    // Ten unanswered challenges from this IP for this address...
    for (let i = 0; i < 10; i++) challengeOf(await stack.client().post(START, { email: ADA }));
    // ...and the solved retry still passes the cooldown, the hourly (1) and per-IP (7) limits.
    const challenge = challengeOf(await stack.client().post(START, { email: ADA }));
    const retry = await stack.client().post(START, { email: ADA, proof: await solve(challenge) });
    expect(retry.status).toBe(202);
  });

  it('a proof is bound to its address: refused for another, still good for its own', async () => {
    stack = await startStack({ ...FLOODED, CODE_RESEND_SECONDS: '0' });
    await flood(stack, 5);
    const proof = await solve(challengeOf(await stack.client().post(START, { email: ADA })));
    for (const email of [CHARLES, UNKNOWN, 'ADA.Lovelace@example.org'])
      challengeOf(await stack.client().post(START, { email, proof }));
    expect((await stack.client().post(START, { email: ADA, proof })).status).toBe(202);
  });

  it("a proof is bound to its client's network: refused from another, good from its own", async () => {
    stack = await startStack({ ...FLOODED, CODE_RESEND_SECONDS: '0' });
    await flood(stack, 5);
    const at = (ip: string) => ({ 'x-forwarded-for': ip });
    const asked = await stack.client().post(START, { email: UNKNOWN }, at('198.51.100.20'));
    const proof = await solve(challengeOf(asked));
    // Solved on another machine (another network) and sent from there: refused.
    for (const ip of ['203.0.113.20', '198.51.101.20', '2001:db8::20'])
      challengeOf(await stack.client().post(START, { email: UNKNOWN, proof }, at(ip)));
    challengeOf(await stack.client().post(START, { email: UNKNOWN, proof }));
    // From its own network (a neighbour in the /24: NAT pools), once.
    const own = await stack.client().post(START, { email: UNKNOWN, proof }, at('198.51.100.77'));
    expect(own.status).toBe(202);
    challengeOf(await stack.client().post(START, { email: UNKNOWN, proof }, at('198.51.100.20')));
  });

  it('the difficulty rises with the flood: from CHALLENGE_DIFFICULTY just past the limit to CHALLENGE_MAX_DIFFICULTY at 8 times it', async () => {
    stack = await startStack({
      ...FLOODED,
      CODE_RESEND_SECONDS: '0',
      STARTS_PER_IP_PER_HOUR: '1000',
      CHALLENGE_MAX_DIFFICULTY: '4000',
    });
    await flood(stack, 5);
    const work = async () => {
      const challenge = challengeOf(await stack!.client().post(START, { email: UNKNOWN }));
      return (await solved(challenge)).counter;
    };
    // Just past the limit (6th start of the minute): the base, a counter of 250..500.
    const low = await work();
    expect(low).toBeGreaterThanOrEqual(250);
    expect(low).toBeLessThanOrEqual(500);
    // Twice the limit (the 10th start of the minute; refused starts count too): 2 × 500.
    for (let i = 0; i < 3; i++)
      challengeOf(await stack.client().post(START, { email: `more-${i}@example.com` }));
    const twice = await work();
    expect(twice).toBeGreaterThanOrEqual(500);
    expect(twice).toBeLessThanOrEqual(1000);
    // Eight times the limit (the 40th): 8 × 500 = 4000, the cap.
    for (let i = 3; i < 32; i++)
      challengeOf(await stack.client().post(START, { email: `more-${i}@example.com` }));
    const high = await work();
    expect(high).toBeGreaterThanOrEqual(2000);
    expect(high).toBeLessThanOrEqual(4000);
  });

  it('under the limit no challenge is asked, and a proof is not needed', async () => {
    stack = await startStack(FLOODED);
    const res = await stack.client().post(START, { email: ADA });
    expect(res.status).toBe(202);
  });
});
