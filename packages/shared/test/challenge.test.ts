import { describe, expect, it } from 'vitest';
import {
  ChallengeProblemSchema,
  ChallengeSchema,
  PROOF_MAX_LENGTH,
  StartRequestSchema,
  problem,
} from '../src/index.js';

const CHALLENGE = {
  parameters: {
    algorithm: 'SHA-256',
    nonce: 'aa',
    salt: 'bb',
    cost: 1,
    keyLength: 32,
    keyPrefix: '00ff',
    keySignature: 'cc',
    expiresAt: 1_900_000_000,
  },
  signature: 'dd',
};

describe('ChallengeSchema', () => {
  it('keeps parameters it does not name: the signature covers them all', () => {
    expect(ChallengeSchema.parse(CHALLENGE)).toEqual(CHALLENGE);
  });

  it('refuses a challenge without a signature or parameters', () => {
    expect(ChallengeSchema.safeParse({ parameters: CHALLENGE.parameters }).success).toBe(false);
    expect(ChallengeSchema.safeParse({ signature: 'dd' }).success).toBe(false);
  });
});

describe('ChallengeProblemSchema', () => {
  it('is a challenge_required problem with its challenge', () => {
    const body = { ...problem('challenge_required'), challenge: CHALLENGE };
    expect(ChallengeProblemSchema.parse(body)).toEqual(body);
    expect(ChallengeProblemSchema.safeParse(problem('challenge_required')).success).toBe(false);
    expect(
      ChallengeProblemSchema.safeParse({ ...problem('rate_limited'), challenge: CHALLENGE })
        .success,
    ).toBe(false);
  });
});

describe('StartRequestSchema proof', () => {
  const email = 'ada.lovelace@example.com';

  it('is optional, and a non-empty string when given', () => {
    expect(StartRequestSchema.parse({ email })).toEqual({ email });
    expect(StartRequestSchema.parse({ email, proof: 'eyJ9' })).toEqual({ email, proof: 'eyJ9' });
    for (const proof of ['', 42, { challenge: {} }, null, 'x'.repeat(PROOF_MAX_LENGTH + 1)])
      expect(StartRequestSchema.safeParse({ email, proof }).success).toBe(false);
  });
});
