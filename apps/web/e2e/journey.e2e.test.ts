// The person's path (issue 14) in Chromium against the real API: sign-in survives reload,
// Back/Forward and a second tab; dead and locked codes say what to do; phone-sized pages do
// not scroll sideways; titles, focus and the status region.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { pathOf, newPersonWithCode, requestCode, screenshot, signIn, submitCode } from './flows';
import { browserSuite } from './suite';

// A short resend cooldown so Resend code can be used within a test; still long enough for a
// second tab to meet it.
const RESEND_SECONDS = 8;

const suite = browserSuite('journey', { env: { CODE_RESEND_SECONDS: String(RESEND_SECONDS) } });

const wrongFor = (code: string) => (code === '000000' ? '111111' : '000000');

/** Waits until Resend code can be pressed (the cooldown is over). */
async function resendEnabled(page: Page) {
  await page.waitForFunction(
    () => !(document.querySelector('.resend button') as HTMLButtonElement).disabled,
    undefined,
    { timeout: (RESEND_SECONDS + 5) * 1000 },
  );
}

async function alertText(page: Page, text: string) {
  await page.getByRole('alert').filter({ hasText: text }).waitFor();
}

describe('sign-in that survives reload, Back/Forward and a second tab', () => {
  it('reload and Back/Forward on the code step keep it; a second tab in the cooldown lands on it; the code signs in', async () => {
    const { page } = suite.browser;
    const email = suite.stack.newPerson('Reload');
    await page.goto(`${suite.stack.url}/login`);
    const known = suite.stack.auth0.outbox(email).length;
    await requestCode(page, email);
    expect(pathOf(page)).toBe('/login?step=code');

    await page.reload();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await page.getByText(email).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Resend code' }).isDisabled()).toBe(true);
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage }));
    expect(stored).toContain(email);

    await page.goBack();
    await page.getByLabel('Email address').waitFor();
    expect(await page.getByLabel('Email address').inputValue()).toBe(email);
    await page.goForward();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    expect(await page.getByText(email).isVisible()).toBe(true);

    // A second tab (its own sessionStorage): the same address during the cooldown.
    const tab = await suite.browser.newTab();
    await tab.goto(`${suite.stack.url}/login`);
    await requestCode(tab, email);
    expect(await tab.getByRole('status').textContent()).toBe(
      'We sent this address a code a moment ago: enter it here.',
    );
    expect(await tab.getByRole('button', { name: 'Resend code' }).isDisabled()).toBe(true);
    expect(await tab.getByText(/You can ask for a new code in \d+ s\./).isVisible()).toBe(true);
    expect(suite.stack.auth0.outbox(email).length).toBe(known + 1);

    const code = await suite.stack.waitForCode(email, known);
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain(code);
    await submitCode(tab, code);
    await tab.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(pathOf(tab)).toBe('/');
  });

  it('three wrong codes: the message says to use Resend code; after it, focus is in the field and the new code signs in', async () => {
    const { page } = suite.browser;
    const { email, code } = await newPersonWithCode(page, suite.stack, 'Thrice');
    for (let i = 0; i < 3; i++) await submitCode(page, wrongFor(code));
    await alertText(
      page,
      'That code no longer works after three wrong tries. Ask for a new code with Resend code.',
    );
    const resend = page.getByRole('button', { name: 'Resend code' });
    await resendEnabled(page);
    const known = suite.stack.auth0.outbox(email).length;
    await resend.focus();
    await resend.press('Enter');
    await page.getByText('We sent a new code. Only the newest code works.').waitFor();
    // After Resend code, focus is in the field for the new code.
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('code');
    await submitCode(page, await suite.stack.waitForCode(email, known));
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });

  it('three wrong codes with Resend code already enabled: focus moves to Resend code', async () => {
    const { page } = suite.browser;
    const { code } = await newPersonWithCode(page, suite.stack, 'Focus');
    await resendEnabled(page);
    for (let i = 0; i < 3; i++) await submitCode(page, wrongFor(code));
    await alertText(page, 'That code no longer works after three wrong tries.');
    await page.waitForFunction(() => document.activeElement?.textContent === 'Resend code');
  });

  it('a locked address is told when it can try again, and gets no code', async () => {
    const { page } = suite.browser;
    const { email, code } = await newPersonWithCode(page, suite.stack, 'Locked');
    for (let i = 0; i < 10; i++) {
      await submitCode(page, wrongFor(code));
      await page.getByRole('alert').waitFor();
      await page.waitForFunction(
        () => !(document.querySelector('button[type=submit]') as HTMLButtonElement).disabled,
      );
    }
    await alertText(page, 'Too many wrong codes for this address. Try again in 15 minutes.');
    await resendEnabled(page);
    const sent = suite.stack.auth0.outbox(email).length;
    await page.getByRole('button', { name: 'Resend code' }).click();
    await page.getByText('We sent a new code. Only the newest code works.').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(suite.stack.auth0.outbox(email).length).toBe(sent);
  });
});

describe('phone-sized pages', () => {
  const fits = (page: Page) =>
    page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));

  for (const width of [390, 320]) {
    it(`nothing scrolls sideways at ${width} px, signed out and in, with a long address`, async () => {
      const { page } = suite.browser;
      await page.setViewportSize({ width, height: 800 });
      const email = suite.stack.newPerson(`Bartholomewmaximilianwidthtest${width}`);
      await page.goto(`${suite.stack.url}/login`);
      await page.getByLabel('Email address').waitFor();
      const checks: Array<[string, { scrollWidth: number; innerWidth: number }]> = [];
      checks.push(['/login', await fits(page)]);
      await signIn(page, suite.stack, email);
      checks.push(['/', await fits(page)]);
      await screenshot(page, `home-${width}`);
      await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
      await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
      await page.getByRole('listitem').first().waitFor();
      checks.push(['/sessions', await fits(page)]);
      await screenshot(page, `sessions-${width}`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('Email address').waitFor();
      await requestCode(page, email);
      checks.push(['/login?step=code', await fits(page)]);
      for (const [where, { scrollWidth, innerWidth }] of checks) {
        expect({ where, fits: scrollWidth <= innerWidth, scrollWidth }).toEqual({
          where,
          fits: true,
          scrollWidth,
        });
      }
    });
  }
});

describe('announcements, titles and focus', () => {
  it('a title per route, focus on the main heading after sign-in and navigation, and a status region while empty', async () => {
    const { page } = suite.browser;
    const email = suite.stack.newPerson('Titles');
    await page.goto(`${suite.stack.url}/login`);
    await page.getByLabel('Email address').waitFor();
    expect(await page.title()).toBe('Sign in — Portcullis');
    const status = page.getByRole('status');
    expect(await status.count()).toBe(1);
    expect(await status.textContent()).toBe('');
    expect(await status.evaluate((el) => getComputedStyle(el).display)).not.toBe('none');

    const known = suite.stack.auth0.outbox(email).length;
    await requestCode(page, email);
    expect(await page.title()).toBe('Check your email — Portcullis');
    const describedBy = await page.getByLabel('Verification code').getAttribute('aria-describedby');
    const about = await page.evaluate(
      (id) => document.getElementById(id)?.textContent,
      describedBy!.split(' ')[0]!,
    );
    expect(about).toContain(email);
    expect(about).toContain('The code works for 3 minutes.');

    await submitCode(page, await suite.stack.waitForCode(email, known));
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.tagName === 'H1');
    expect(await page.title()).toBe('Home — Portcullis');
    await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Your sessions');
    expect(await page.title()).toBe('Your sessions — Portcullis');
  });

  it('serves a favicon and a meta description', async () => {
    const { page } = suite.browser;
    const icon = await page.request.get(`${suite.stack.url}/favicon.svg`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    await page.goto(`${suite.stack.url}/login`);
    expect(await page.locator('meta[name="description"]').getAttribute('content')).toBeTruthy();
  });
});
