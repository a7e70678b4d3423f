// The flood challenge of start (past STARTS_GLOBAL_PER_MINUTE, start answers 428
// `challenge_required`): a self-hosted ALTCHA proof-of-work challenge in the problem body.
// A client finds the counter whose derived key starts with `parameters.keyPrefix` (ALTCHA's
// solvers do it), then retries start with `proof` = base64 of JSON `{ challenge, solution }`.
import * as z from 'zod/mini';
import { ProblemSchema } from './errors.js';

/**
 * An ALTCHA (v2) challenge. The signature covers every parameter, including any this schema
 * does not name, so unknown keys are kept as they came (`looseObject`): a client must send
 * the challenge back exactly as it received it.
 */
export const ChallengeSchema = z.looseObject({
  parameters: z.looseObject({
    algorithm: z.string(),
    nonce: z.string(),
    salt: z.string(),
    cost: z.number(),
    keyLength: z.number(),
    keyPrefix: z.string(),
    expiresAt: z.optional(z.number()),
  }),
  signature: z.string(),
});
export type Challenge = z.infer<typeof ChallengeSchema>;

/** The body of a 428 `challenge_required`: a problem with the challenge to solve. */
export const ChallengeProblemSchema = z.extend(ProblemSchema, {
  code: z.literal('challenge_required'),
  challenge: ChallengeSchema,
});
export type ChallengeProblem = z.infer<typeof ChallengeProblemSchema>;
