// axe (axe-core through @axe-core/playwright) on every page and step a person meets, in the
// light and the dark colour scheme: /login, the code step, /, /sessions and the local mailbox
// page. Zero violations is the bar.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
// The mailbox page exists only in embedded mode (emulators on fixed ports), which these tests
// do not run: it is served here as the API renders it, with its own CSP.
import { MAILBOX_CSP, renderMailbox } from '@portcullis/api/dev-mailbox-page';
import { requestCode, signIn, submitCode } from './flows';
import { RESULTS_DIR } from './stack';
import { browserSuite } from './suite';

const suite = browserSuite('accessibility', { env: { CODE_RESEND_SECONDS: '0' } });

interface Found {
  where: string;
  rule: string;
  impact: string | null | undefined;
  targets: string[];
}

const SCHEMES = ['light', 'dark'] as const;

/** axe on the page as it stands, in each colour scheme (the page is not reloaded). */
async function axe(page: Page, where: string): Promise<Found[]> {
  const found: Found[] = [];
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).analyze();
    found.push(
      ...results.violations.map((v) => ({
        where: `${where} (${colorScheme})`,
        rule: v.id,
        impact: v.impact,
        targets: v.nodes.map((n) => n.target.join(' ')),
      })),
    );
  }
  return found;
}

/** The mailbox page as the API serves it, for `email`, at /api/dev/mailbox on the stack. */
async function serveMailbox(page: Page, email: string) {
  await page.route(`${suite.stack.url}/api/dev/mailbox**`, async (route) => {
    const query = new URL(route.request().url()).searchParams.get('email') ?? '';
    const html = renderMailbox(
      query === 'not-an-address'
        ? { query, notice: 'That is not an email address.' }
        : { query, messages: query === email ? suite.stack.auth0.outbox(email) : [] },
    );
    await route.fulfill({
      status: 200,
      contentType: 'text/html; charset=utf-8',
      headers: { 'content-security-policy': MAILBOX_CSP },
      body: html,
    });
  });
}

describe('axe finds no violation', () => {
  it('on /login, the code step, /, /sessions and the mailbox page, in light and dark', async () => {
    const { page } = suite.browser;
    const email = suite.stack.newPerson('Axe');
    const found: Found[] = [];

    await page.goto(`${suite.stack.url}/login`);
    await page.getByLabel('Email address').waitFor();
    found.push(...(await axe(page, '/login')));

    await page.getByRole('button', { name: 'Send code' }).click();
    await page.getByRole('alert').waitFor(); // the email step with its error
    found.push(...(await axe(page, '/login with an error')));

    await requestCode(page, email);
    found.push(...(await axe(page, '/login?step=code')));
    await submitCode(page, '000000');
    await page.getByRole('alert').waitFor();
    found.push(...(await axe(page, '/login?step=code with an error')));

    await page.getByRole('button', { name: 'Use a different email address' }).click();
    await page.getByLabel('Email address').waitFor();
    await signIn(page, suite.stack, email);
    found.push(...(await axe(page, '/')));

    await page.getByRole('navigation').getByRole('link', { name: 'Sessions' }).click();
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    await page.getByRole('listitem').first().waitFor();
    found.push(...(await axe(page, '/sessions')));

    await serveMailbox(page, email);
    for (const query of [email, 'nobody@example.com', 'not-an-address']) {
      await page.goto(`${suite.stack.url}/api/dev/mailbox?email=${encodeURIComponent(query)}`);
      await page.getByRole('heading', { name: 'Local mailbox' }).waitFor();
      found.push(...(await axe(page, `/api/dev/mailbox?email=${query}`)));
    }
    // It has landmarks, and it fits a 320 px phone with the codes table.
    expect(await page.getByRole('main').count()).toBe(1);
    expect(await page.getByRole('banner').count()).toBe(1);
    await page.setViewportSize({ width: 320, height: 700 });
    await page.goto(`${suite.stack.url}/api/dev/mailbox?email=${encodeURIComponent(email)}`);
    await page.getByRole('table').waitFor();
    const { scrollWidth, innerWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      innerWidth: window.innerWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    const input = await page.getByLabel('Email address').boundingBox();
    expect(input!.width).toBeGreaterThan(200);

    writeFileSync(path.join(RESULTS_DIR, 'axe.json'), `${JSON.stringify(found, null, 2)}\n`);
    expect(found).toEqual([]);
  });
});
