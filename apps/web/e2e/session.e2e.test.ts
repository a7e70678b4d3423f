import { beforeEach, describe, expect, it } from 'vitest';
import { countRequests, launchBrowser, type Browser } from './browser';
import { pathOf, screenshot, signIn, waitForPath } from './flows';
import { ADA } from './stack';
import { browserSuite, closeChecked } from './suite';

// One person signs in from two browsers in a row: no 30 s wait between their codes.
const suite = browserSuite('session', { env: { CODE_RESEND_SECONDS: '0' } });

beforeEach(() => {
  suite.stack.setAuth0ClockOffset(0);
  suite.stack.auth0.clearFaults();
  suite.stack.auth0.configure({ accessTokenTtlSeconds: 86_400 });
});

/**
 * Signs in with access tokens that are already expired: Auth0's clock is set an hour back
 * while it issues 10-minute tokens, then put right. No waiting for a real expiry.
 */
async function signInWithExpiredToken(page: Browser['page'], name: string): Promise<string> {
  const email = suite.stack.newPerson(name);
  suite.stack.auth0.configure({ accessTokenTtlSeconds: 600 });
  suite.stack.setAuth0ClockOffset(-3_600_000);
  await page.goto(`${suite.stack.url}/login`);
  await signIn(page, suite.stack, email);
  suite.stack.setAuth0ClockOffset(0);
  return email;
}

/** Token requests Auth0 has answered so far (sign-ins and refreshes: one endpoint). */
function tokenRequests(): number {
  return suite.stack.auth0
    .requests()
    .filter((r) => r.method === 'POST' && r.path === '/oauth/token').length;
}

describe('an expired access token', () => {
  it('is renewed on the server: the page keeps working, and the SPA never asks for a refresh', async () => {
    const { page } = suite.browser;
    const email = await signInWithExpiredToken(page, 'Expiry');
    const before = tokenRequests();
    const refreshes = countRequests(page, 'POST', '/api/auth/refresh');

    // A fresh load of a guarded page, a client-side navigation, and a direct call all work.
    await page.reload();
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
    await page.getByText('This device').waitFor();
    expect(pathOf(page)).toBe('/sessions');
    expect(await page.locator('.who .email').textContent()).toBe(email);
    expect(await page.evaluate(async () => (await fetch('/api/me')).status)).toBe(200);

    expect(refreshes.count).toBe(0);
    expect(tokenRequests() - before).toBe(1); // the API's one refresh, at the first request
  });

  it('in two tabs at once is refreshed once, on the server, and both tabs keep working', async () => {
    const { page: first } = suite.browser;
    await signInWithExpiredToken(first, 'Tabs');
    const second = await suite.browser.newTab();
    const before = tokenRequests();
    const refreshes = [first, second].map((tab) => countRequests(tab, 'POST', '/api/auth/refresh'));
    // Auth0 answers the refresh slowly, so both tabs meet the expired token while it runs.
    suite.stack.auth0.setFaults({ latencyMs: 800, paths: ['/oauth/token'], count: 1 });
    await Promise.all([
      first.goto(`${suite.stack.url}/sessions`),
      second.goto(`${suite.stack.url}/sessions`),
    ]);
    await Promise.all([first, second].map((tab) => tab.getByText('This device').waitFor()));
    expect(refreshes.map((r) => r.count)).toEqual([0, 0]);
    expect(tokenRequests() - before).toBe(1);
  });
});

describe('the sessions page', () => {
  it('ends the session of another browser, which is signed out at its next navigation', async () => {
    const other = await launchBrowser();
    try {
      const first = suite.browser.page;
      const second = other.page;
      await first.goto(`${suite.stack.url}/login`);
      await signIn(first, suite.stack, ADA);
      await second.goto(`${suite.stack.url}/login`);
      await signIn(second, suite.stack, ADA);

      await first.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
      await first.getByRole('heading', { name: 'Your sessions' }).waitFor();
      const items = first.getByRole('main').getByRole('listitem');
      await expect.poll(() => items.count()).toBe(2);
      const mine = items.filter({ hasText: 'This device' });
      const theirs = items.filter({ hasNotText: 'This device' });
      expect(await mine.count()).toBe(1);
      expect(await mine.getByRole('button', { name: 'End session' }).count()).toBe(0);
      expect(await theirs.textContent()).toMatch(/Chrome on Linux/);
      expect(await theirs.locator('time').count()).toBe(2); // created and last seen
      await screenshot(first, 'sessions');
      await first.setViewportSize({ width: 390, height: 844 });
      await screenshot(first, 'sessions-phone');

      await theirs.getByRole('button', { name: 'End session' }).click();
      await expect.poll(() => items.count()).toBe(1);
      expect(await first.getByRole('status').textContent()).toBe(
        'The session on Chrome on Linux has ended.',
      );
      expect(await first.getByRole('button', { name: 'End session' }).count()).toBe(0);
      expect(
        await first.getByRole('button', { name: 'Sign out of all other sessions' }).count(),
      ).toBe(0);

      // The other browser still shows its page (nothing tells it), until it next asks the
      // API: a client-side navigation (the /sessions page's own request gets 401)…
      await second.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
      expect(await waitForPath(second, (p) => p.startsWith('/login'))).toBe(
        '/login?redirect=%2Fsessions',
      );
      await second.getByLabel('Email address').waitFor();
      expect(await second.getByText(ADA).count()).toBe(0);
      // …or a fresh load (the route guard's /api/me gets 401).
      await second.goto(`${suite.stack.url}/`);
      expect(await waitForPath(second, (p) => p.startsWith('/login'))).toBe('/login?redirect=%2F');

      // This browser is still signed in.
      await first.reload();
      await first.getByText('This device').waitFor();
      expect(pathOf(first)).toBe('/sessions');
    } finally {
      await closeChecked(other);
    }
  });

  it('Sign out of all other sessions signs the other browsers out', async () => {
    const other = await launchBrowser();
    try {
      const first = suite.browser.page;
      const second = other.page;
      const email = suite.stack.newPerson('Everywhere');
      await first.goto(`${suite.stack.url}/login`);
      await signIn(first, suite.stack, email);
      await second.goto(`${suite.stack.url}/login`);
      await signIn(second, suite.stack, email);

      await first.goto(`${suite.stack.url}/sessions`);
      const items = first.getByRole('main').getByRole('listitem');
      await expect.poll(() => items.count()).toBe(2);
      await first.getByRole('button', { name: 'Sign out of all other sessions' }).click();
      await expect.poll(() => items.count()).toBe(1);
      await first.getByText('You are not signed in anywhere else.').waitFor();

      await second.goto(`${suite.stack.url}/sessions`);
      expect(await waitForPath(second, (p) => p.startsWith('/login'))).toBe(
        '/login?redirect=%2Fsessions',
      );
    } finally {
      await closeChecked(other);
    }
  });
});

describe('signing out in one tab', () => {
  it('signs the other tabs out too', async () => {
    const { page: first } = suite.browser;
    const email = suite.stack.newPerson('Twotabs');
    await first.goto(`${suite.stack.url}/login`);
    await signIn(first, suite.stack, email);
    const second = await suite.browser.newTab();
    await second.goto(`${suite.stack.url}/sessions`);
    await second.getByRole('heading', { name: 'Your sessions' }).waitFor();

    await first.getByRole('button', { name: 'Sign out' }).click();
    expect(await waitForPath(second, (p) => p.startsWith('/login'))).toBe(
      '/login?redirect=%2Fsessions&reason=signed_out',
    );
    await second.getByLabel('Email address').waitFor();
    expect(await second.getByText(email).count()).toBe(0);
  });
});
