// The start→verify window tells no address apart (issue 20). Start answers 202 before Auth0
// has the new code (the send runs after the answer), so for an eligible address whose
// previous code is dead Auth0 still holds that dead code for a while: verify must answer a
// wrong code then as a fresh code would (as a decoy does for the others), not from Auth0's
// state. Auth0's /passwordless/start is slowed through the emulator's fault control, so
// the window is as long as we like: 0, 300 ms and 3 s.
import { ProblemSchema } from '@portcullis/shared';
import { type Stack } from './harness.js';
import { START, VERIFY, freshUpstreams, useStack, wrongCode } from './fixtures.js';

const PER_CLASS = 8;
const addresses = (kind: string) =>
  Array.from({ length: PER_CLASS }, (_, i) => `race.${kind}.${i}@example.com`);
const CLASSES = {
  eligible: addresses('eligible'),
  ineligible: addresses('ineligible'),
  unknown: addresses('unknown'),
};
const EVERYONE = Object.values(CLASSES).flat();

const answer = (res: { status: number; body: { code?: string } }) => {
  ProblemSchema.parse(res.body);
  return `${res.status} ${res.body.code}`;
};

/** A guess for each address that is wrong for its current code (the emailed one plus one). */
function wrongGuesses(stack: Stack): Map<string, string> {
  return new Map(
    EVERYONE.map((email) => {
      const [sent] = stack.auth0.outbox(email);
      return [email, sent ? wrongCode(sent.code) : '123456'];
    }),
  );
}

describe('the start→verify window tells no address apart', () => {
  const stack = useStack(
    {
      CODE_RESEND_SECONDS: '0',
      FAILED_CODES_PER_IP_PER_HOUR: '100000',
      STARTS_GLOBAL_PER_MINUTE: '100000',
      // Longer than the slowest start below: the send is slow, not failed.
      AUTH0_TIMEOUT_MS: '8000',
    },
    { reset: freshUpstreams },
  );

  beforeAll(() => {
    for (const [kind, emails] of Object.entries(CLASSES)) {
      if (kind === 'unknown') continue;
      for (const [i, email] of emails.entries())
        stack.salesforce.createContact({
          FirstName: `Race ${i}`,
          LastName: kind,
          Email: email,
          Portal_Access__c: kind === 'eligible',
        });
    }
  });

  it.each([0, 300, 3000])(
    "Auth0's start at %i ms: a wrong code right after a new start answers 401 invalid_code for every class (the previous code killed with three wrong guesses); once the send is confirmed the right code signs in",
    async (latencyMs) => {
      const client = stack.client();
      // A code (or decoy) for everyone, killed with three wrong guesses.
      for (const email of EVERYONE) expect((await client.post(START, { email })).status).toBe(202);
      await stack.settle();
      for (const email of CLASSES.eligible) expect(stack.auth0.outbox(email)).toHaveLength(1);
      const wrong = wrongGuesses(stack);
      const killed = await Promise.all(
        EVERYONE.map(async (email) => {
          const seen = [];
          for (let i = 0; i < 3; i++)
            seen.push(answer(await client.post(VERIFY, { email, code: wrong.get(email) })));
          return seen;
        }),
      );
      for (const seen of killed)
        expect(seen).toEqual(['401 invalid_code', '401 invalid_code', '429 too_many_attempts']);

      // A new start, and at once a wrong code, while Auth0's send is still in flight.
      if (latencyMs > 0) stack.auth0.setFaults({ latencyMs, paths: ['/passwordless/start'] });
      const raced = await Promise.all(
        EVERYONE.map(async (email) => {
          expect((await client.post(START, { email })).status).toBe(202);
          return answer(await client.post(VERIFY, { email, code: wrong.get(email) }));
        }),
      );
      const byClass = Object.fromEntries(
        Object.entries(CLASSES).map(([kind, emails]) => [
          kind,
          emails.map((email) => raced[EVERYONE.indexOf(email)]),
        ]),
      );
      const fresh = Array<string>(PER_CLASS).fill('401 invalid_code');
      expect(byClass).toEqual({ eligible: fresh, ineligible: fresh, unknown: fresh });

      // The sends confirmed: the new code (its second guess) signs the eligible in.
      await stack.settle();
      stack.auth0.clearFaults();
      for (const email of CLASSES.eligible) {
        const [newest] = stack.auth0.outbox(email);
        expect(stack.auth0.outbox(email)).toHaveLength(2);
        const res = await stack.client().post(VERIFY, { email, code: newest!.code });
        expect(res.status).toBe(200);
      }
    },
  );

  it('a right code Auth0 takes before its send is confirmed is refused like any guess, and its grant revoked', async () => {
    const email = CLASSES.eligible[0]!;
    const client = stack.client();
    expect((await client.post(START, { email })).status).toBe(202);
    await stack.settle();
    const [first] = stack.auth0.outbox(email);
    // Auth0 sends the new code but answers the start late: the first code is superseded
    // at Auth0 only after the send, and ours is not confirmed until Auth0 answers.
    stack.auth0.setFaults({ latencyMs: 300, paths: ['/passwordless/start'] });
    expect((await client.post(START, { email })).status).toBe(202);
    // The first code is still live at Auth0 (the new send has not reached it): right for
    // Auth0, but not our latest code's confirmed send.
    const early = await client.post(VERIFY, { email, code: first!.code });
    expect(answer(early)).toBe('401 invalid_code');
    await stack.settle();
    const revocations = stack.auth0.requests().filter((r) => r.path === '/oauth/revoke');
    expect(revocations).toHaveLength(1);
    // The new code, once confirmed, signs in.
    const [newest] = stack.auth0.outbox(email);
    expect(newest!.code).not.toBe(first!.code);
    expect((await client.post(VERIFY, { email, code: newest!.code })).status).toBe(200);
  });
});
