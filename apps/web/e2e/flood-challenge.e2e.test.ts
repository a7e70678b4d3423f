// The flood challenge in a real browser (issue 16): past STARTS_GLOBAL_PER_MINUTE the API
// answers start with 428 and an ALTCHA challenge; the page says "Checking your browser…",
// solves it with Web Crypto under the production CSP, retries with the proof, and the
// sign-in goes on. The difficulty is the default (50,000), so the time is a person's wait.
import { describe, expect, it } from 'vitest';
import { screenshot, submitCode } from './flows';
import { browserSuite } from './suite';

const suite = browserSuite('flood-challenge', { env: { STARTS_GLOBAL_PER_MINUTE: '1' } });

describe('under a flood', () => {
  it('the page checks the browser (role=status), solves the challenge, and the person signs in', async () => {
    // Someone else's start uses up the minute's budget.
    const flood = await fetch(`${suite.stack.url}/api/auth/passwordless/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'someone.else@example.com' }),
    });
    expect(flood.status).toBe(202);

    const { page } = suite.browser;
    const email = suite.stack.newPerson('Flooded');
    const known = suite.stack.auth0.outbox(email).length;
    const answers: number[] = [];
    page.on('response', (res) => {
      if (res.url().endsWith('/api/auth/passwordless/start')) answers.push(res.status());
    });
    await page.goto(`${suite.stack.url}/login`);
    await page.getByLabel('Email address').fill(email);
    const started = Date.now();
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByRole('status').filter({ hasText: 'Checking your browser…' }).waitFor();
    await screenshot(page, 'flood-challenge-checking');
    await page.getByRole('heading', { name: 'Check your email' }).waitFor({ timeout: 60_000 });
    const waited = Date.now() - started;
    console.log(`flood challenge: solved and retried in ${waited} ms`);
    expect(answers).toEqual([428, 202]);
    expect(await page.locator('[role="status"]').textContent()).toBe('');

    await submitCode(page, await suite.stack.waitForCode(email, known));
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(suite.browser.problems).toEqual([]);
  });
});
