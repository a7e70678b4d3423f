// The login page under a flood: start answers 428 challenge_required with an ALTCHA
// challenge; the page says it is checking the browser (role="status"), solves the challenge
// with the lazily loaded solver and retries start with the proof.
import type { Challenge } from '@portcullis/shared';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { describe, expect, it } from 'vitest';
import { ADA, CHALLENGE_SECRETS, challengeAnswer, FakeApi, newChallenge } from './fake-api';
import { renderApp } from './render-app';

const START = '/api/auth/passwordless/start';
const CHECKING_BROWSER = 'Checking your browser…';
async function submitEmail() {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Email address'), ADA);
  await user.click(screen.getByRole('button', { name: 'Send code' }));
}

describe('the login page under a flood', () => {
  it('says "Checking your browser…", solves the challenge, and retries start with its proof', async () => {
    const challenge = await newChallenge(40);
    const api = new FakeApi();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    api.override(async (call) => {
      if (call.path !== START) return undefined;
      if (!(call.body as { proof?: string }).proof) return challengeAnswer(challenge);
      await held; // the retry stays in flight until the test has looked at the page
      return undefined;
    });
    renderApp('/login', { api });
    await submitEmail();

    await waitFor(() => expect(api.count('POST', START)).toBe(2));
    const status = screen.getByRole('status');
    expect(status.textContent).toBe(CHECKING_BROWSER);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Send code' }).disabled).toBe(
      true,
    );
    expect(status.closest('main')?.querySelector('form')?.getAttribute('aria-busy')).toBe('true');

    const retry = api.calls.filter((c) => c.path === START)[1]!.body as {
      email: string;
      proof: string;
    };
    expect(retry.email).toBe(ADA);
    const payload = JSON.parse(atob(retry.proof)) as {
      challenge: Challenge;
      solution: { counter: number; derivedKey: string };
    };
    expect(payload.challenge).toEqual(challenge);
    expect(payload.solution.counter).toBe(40);
    const verified = await verifySolution({ ...payload, deriveKey, ...CHALLENGE_SECRETS });
    expect(verified.verified).toBe(true);

    release();
    await screen.findByRole('heading', { name: 'Check your email' });
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('a challenge it cannot solve ends in an alert, not an endless check', async () => {
    const challenge = await newChallenge(40);
    const broken = { ...challenge, parameters: { ...challenge.parameters, keyPrefix: 'zz' } };
    const api = new FakeApi();
    api.override((call) => (call.path === START ? challengeAnswer(broken) : undefined));
    renderApp('/login', { api });
    await submitEmail();
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe('We need to check this request. Reload the page and try again.');
    expect(screen.getByRole('status').textContent).toBe('');
    expect(api.count('POST', START)).toBe(1);
  });

  it('solves again when the API refuses the first proof, then gives up', async () => {
    const api = new FakeApi();
    const challenges = [await newChallenge(40), await newChallenge(40), await newChallenge(40)];
    let asked = 0;
    api.override((call) =>
      call.path === START ? challengeAnswer(challenges[asked++]!) : undefined,
    );
    renderApp('/login', { api });
    await submitEmail();
    await screen.findByRole('alert');
    // The first answer and two solved retries: no endless loop.
    expect(api.count('POST', START)).toBe(3);
    const proofs = api.calls
      .filter((c) => c.path === START)
      .map((c) => (c.body as { proof?: string }).proof);
    expect(proofs[0]).toBeUndefined();
    expect(proofs.slice(1).every((p) => typeof p === 'string')).toBe(true);
  });
});
