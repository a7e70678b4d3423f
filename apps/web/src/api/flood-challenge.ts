// Solves the API's flood challenge (a 428 `challenge_required` from start): an ALTCHA
// proof of work, SHA-256 through Web Crypto, then retries start with the proof. Loaded only
// when the API asks for it (api-client.ts imports it dynamically), so it is never part of
// /login's first load.
import { ChallengeSchema, type Challenge, type StartResponse } from '@portcullis/shared';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/sha';
import { ApiError } from './api-error';

/** Longer than the default difficulty ever takes on a slow phone, shorter than its expiry. */
const TIMEOUT_MS = 60_000;
/** A proof can expire while it is on its way: solve a fresh challenge once more, no more. */
const MAX_SOLVES = 2;

/** The `proof` to send with the retried start: base64 of JSON `{ challenge, solution }`. */
export async function solveFloodChallenge(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey, timeout: TIMEOUT_MS });
  if (!solution) throw new Error('the challenge was not solved in time');
  return btoa(JSON.stringify({ challenge, solution }));
}

/**
 * Solves the challenge that `refused` carries and retries start with the proof. A challenge
 * that is malformed or cannot be solved ends as ApiError `challenge_required`.
 */
export async function startWithProof(
  start: (proof: string) => Promise<StartResponse>,
  refused: ApiError,
): Promise<StartResponse> {
  for (let solves = 1, current = refused; ; solves++) {
    let proof: string;
    try {
      proof = await solveFloodChallenge(ChallengeSchema.parse(current.challenge));
    } catch {
      throw new ApiError('challenge_required', current.status);
    }
    try {
      return await start(proof);
    } catch (err) {
      if (solves >= MAX_SOLVES || !(err instanceof ApiError) || !err.challenge) throw err;
      current = err;
    }
  }
}
