import { mkdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countRequests, launchBrowser, type Browser } from './browser';
import { pathOf, signIn, waitForPath } from './flows';
import { RESULTS_DIR, startStack, type Stack } from './stack';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(RESULTS_DIR, { recursive: true });
  stack = await startStack('session');
});

afterAll(async () => {
  await stack?.stop();
});

beforeEach(async () => {
  stack.setAuth0ClockOffset(0);
  stack.auth0.clearFaults();
  stack.auth0.configure({ accessTokenTtlSeconds: 86_400 });
  browser = await launchBrowser();
});

afterEach(async () => {
  const problems = [...browser.problems];
  await browser.close();
  expect(problems).toEqual([]);
});

/**
 * Signs in with access tokens that are already expired: Auth0's clock is set an hour back
 * while it issues 10-minute tokens, then put right. No waiting for a real expiry.
 */
async function signInWithExpiredToken(page: Browser['page'], name: string): Promise<string> {
  const email = stack.newPerson(name);
  stack.auth0.configure({ accessTokenTtlSeconds: 600 });
  stack.setAuth0ClockOffset(-3_600_000);
  await page.goto(`${stack.url}/login`);
  await signIn(page, stack, email);
  stack.setAuth0ClockOffset(0);
  return email;
}

describe('an expired access token', () => {
  it('is renewed silently: the page keeps working, with one refresh', async () => {
    const { page } = browser;
    const email = await signInWithExpiredToken(page, 'Expiry');
    const direct = await page.evaluate(async () => {
      const res = await fetch('/api/me');
      return { status: res.status, code: ((await res.json()) as { code?: string }).code };
    });
    expect(direct).toEqual({ status: 401, code: 'session_expired' });

    const refreshes = countRequests(page, 'POST', '/api/auth/refresh');
    const me = countRequests(page, 'GET', '/api/me');
    await page.getByRole('navigation').getByRole('link', { name: 'Session' }).click();
    const renewed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/me' && r.ok());
    await page.getByRole('button', { name: 'Check again' }).click();
    await renewed;
    expect(pathOf(page)).toBe('/session');
    expect(await page.locator('.who .email').textContent()).toBe(email);
    expect(refreshes.count).toBe(1);
    expect(me.count).toBe(2); // 401 session_expired, then 200 after the refresh

    // And a fresh load of a guarded page goes through without a second refresh.
    await page.reload();
    await page.getByRole('heading', { name: 'Your session' }).waitFor();
    expect(refreshes.count).toBe(1);
  });

  it('in two tabs at once is refreshed once (Web Locks), and both tabs keep working', async () => {
    const { page: first } = browser;
    await signInWithExpiredToken(first, 'Tabs');
    const second = await browser.newTab();
    const refreshes = [
      countRequests(first, 'POST', '/api/auth/refresh'),
      countRequests(second, 'POST', '/api/auth/refresh'),
    ];
    // Auth0 answers the refresh slowly, so both tabs meet the expired token while it runs.
    stack.auth0.setFaults({ latencyMs: 800, paths: ['/oauth/token'], count: 1 });
    await Promise.all([first.goto(`${stack.url}/session`), second.goto(`${stack.url}/session`)]);
    await Promise.all(
      [first, second].map((tab) => tab.getByRole('heading', { name: 'Your session' }).waitFor()),
    );
    expect(refreshes[0]!.count + refreshes[1]!.count).toBe(1);
  });
});

describe('signing out in one tab', () => {
  it('signs the other tabs out too', async () => {
    const { page: first } = browser;
    const email = stack.newPerson('Twotabs');
    await first.goto(`${stack.url}/login`);
    await signIn(first, stack, email);
    const second = await browser.newTab();
    await second.goto(`${stack.url}/session`);
    await second.getByRole('heading', { name: 'Your session' }).waitFor();

    await first.getByRole('button', { name: 'Sign out' }).click();
    expect(await waitForPath(second, (p) => p.startsWith('/login'))).toBe(
      '/login?redirect=%2Fsession&reason=signed_out',
    );
    await second.getByLabel('Email address').waitFor();
    expect(await second.getByText(email).count()).toBe(0);
  });
});
