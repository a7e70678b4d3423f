import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { countRequests } from './browser';
import {
  pathOf,
  newPersonWithCode,
  requestCode,
  screenshot,
  signIn,
  submitCode,
  waitForPath,
} from './flows';
import { ADA, CHARLES, RESULTS_DIR } from './stack';
import { browserSuite } from './suite';

// The target for /login: every script it loads before the first submit, at most
// 100 kB of gzip JS in all. React 19 and TanStack Router alone take about 95 kB (see README).
const FIRST_LOAD_CEILING_KB = 100;

const suite = browserSuite('sign-in');

describe('signing in', () => {
  it('works for ada with the code from the outbox; a reload keeps the session; no token reaches JavaScript', async () => {
    const { page, context } = suite.browser;
    await page.goto(`${suite.stack.url}/`);
    expect(await waitForPath(page, (p) => p.startsWith('/login'))).toBe('/login?redirect=%2F');
    await page.getByLabel('Email address').waitFor();
    await screenshot(page, 'login-1-email');

    const known = suite.stack.auth0.outbox(ADA).length;
    await requestCode(page, ADA);
    expect(await page.getByRole('button', { name: 'Resend code' }).isDisabled()).toBe(true);
    expect(await page.getByText(/You can ask for a new code in \d+ s\./).isVisible()).toBe(true);
    await screenshot(page, 'login-2-code');
    await submitCode(page, await suite.stack.waitForCode(ADA, known));

    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    expect(pathOf(page)).toBe('/');
    expect(await page.locator('.who .email').textContent()).toBe(ADA);
    expect(await page.getByText('Gold').isVisible()).toBe(true);
    await screenshot(page, 'home');

    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(pathOf(page)).toBe('/');
    expect(await page.locator('.who .email').textContent()).toBe(ADA);

    const cookies = await context.cookies(suite.stack.url);
    const session = cookies.find((c) => c.name === 'portcullis');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax', path: '/' });
    const visible = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
    }));
    expect(visible.cookie).toBe('');
    for (const stored of [visible.local, visible.session]) {
      expect(stored).not.toContain(session!.value);
      expect(stored).not.toMatch(/eyJ[\w-]+\.[\w-]+/); // no JWT of any kind
    }
  });

  it('from a deep link while signed out returns there after sign-in', async () => {
    const { page } = suite.browser;
    const email = suite.stack.newPerson('Deep');
    await page.goto(`${suite.stack.url}/sessions?tab=2`);
    expect(await waitForPath(page, (p) => p.startsWith('/login'))).toBe(
      '/login?redirect=%2Fsessions%3Ftab%3D2',
    );
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    await signIn(page, suite.stack, email);
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    expect(pathOf(page)).toBe('/sessions?tab=2');
  });

  it('with a wrong code shows an alert that describes the field, focus staying in the field', async () => {
    const { page } = suite.browser;
    const { code } = await newPersonWithCode(page, suite.stack, 'Wrong');
    await submitCode(page, code === '000000' ? '111111' : '000000');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toBe(
      'That code is not right. Check the email and try again.',
    );
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('code');
    const describedBy = await page.getByLabel('Verification code').getAttribute('aria-describedby');
    expect(describedBy?.split(' ')).toContain(await alert.getAttribute('id'));
    expect(pathOf(page)).toBe('/login?step=code');
    await screenshot(page, 'login-3-wrong-code');
  });

  it('for charles.babbage shows the same step as for an eligible address, and sends no code', async () => {
    const { page } = suite.browser;
    const stepText = async (email: string) => {
      await page.goto(`${suite.stack.url}/login`);
      await requestCode(page, email);
      const text = (await page.locator('main').innerText()).replaceAll(email, '<email>');
      // The mailbox link appears only in embedded mode, for everyone alike; not here.
      return text;
    };
    const eligible = suite.stack.newPerson('Control');
    const known = suite.stack.auth0.outbox(eligible).length;
    const forCharles = await stepText(CHARLES);
    const forEligible = await stepText(eligible);
    expect(forCharles).toBe(forEligible);
    // The eligible address's code was sent after charles's request was answered: by then a
    // code for charles would have been sent too.
    await suite.stack.waitForCode(eligible, known);
    expect(suite.stack.auth0.outbox(CHARLES)).toEqual([]);
  });
});

describe('signing out', () => {
  it('returns to /login, and Back shows no protected content', async () => {
    const { page } = suite.browser;
    const email = suite.stack.newPerson('Leaving');
    await page.goto(`${suite.stack.url}/login`);
    await signIn(page, suite.stack, email);
    await page.getByRole('button', { name: 'Sign out' }).click();
    expect(await waitForPath(page, (p) => p.startsWith('/login'))).toBe('/login?reason=signed_out');
    expect(await page.getByRole('status').textContent()).toBe('You have signed out.');

    await page.goBack();
    await page.getByLabel('Email address').waitFor();
    expect(pathOf(page)).toMatch(/^\/login\?redirect=%2F/);
    expect(await page.getByText(email).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    expect(me).toBe(401);
  });
});

describe('performance', () => {
  it('everything /login loads before the first submit: JS and CSS sizes (gzip), written to test-results', async () => {
    const { page } = suite.browser;
    const bodies: Array<{ url: string; type: 'js' | 'css'; raw: number; gzip: number }> = [];
    const pending: Array<Promise<void>> = [];
    page.on('response', (response) => {
      const url = new URL(response.url());
      const type = url.pathname.endsWith('.js')
        ? 'js'
        : url.pathname.endsWith('.css')
          ? 'css'
          : null;
      if (!type) return;
      pending.push(
        response.body().then((body) => {
          bodies.push({ url: url.pathname, type, raw: body.length, gzip: gzipSync(body).length });
        }),
      );
    });
    await page.goto(`${suite.stack.url}/login`, { waitUntil: 'networkidle' });
    await page.getByLabel('Email address').waitFor();
    // Whatever loads while the person reads and types counts too: wait well past idle.
    await page.waitForTimeout(2500);
    await Promise.all(pending);
    const sum = (type: 'js' | 'css', key: 'raw' | 'gzip') =>
      bodies.filter((b) => b.type === type).reduce((n, b) => n + b[key], 0) / 1000;
    const report = {
      files: bodies.map((b) => b.url),
      js: { rawKb: sum('js', 'raw'), gzipKb: sum('js', 'gzip') },
      css: { rawKb: sum('css', 'raw'), gzipKb: sum('css', 'gzip') },
    };
    writeFileSync(
      path.join(RESULTS_DIR, 'first-load.json'),
      `${JSON.stringify(report, null, 2)}\n`,
    );
    console.log(`first load of /login: ${JSON.stringify(report)}`);
    expect(report.js.gzipKb).toBeGreaterThan(0);
    expect(report.js.gzipKb).toBeLessThanOrEqual(FIRST_LOAD_CEILING_KB);
    expect(report.css.gzipKb).toBeGreaterThan(0);
  });

  it('asks /me once during a scripted session of 10 navigations', async () => {
    const { page } = suite.browser;
    const email = suite.stack.newPerson('Browsing');
    await page.goto(`${suite.stack.url}/login`);
    await signIn(page, suite.stack, email);
    const me = countRequests(page, 'GET', '/api/me');
    await page.reload(); // a fresh page: nothing cached
    await page.getByRole('heading', { name: 'Welcome' }).waitFor();
    for (let i = 0; i < 10; i += 1) {
      const [link, heading] = i % 2 === 0 ? ['Sessions', 'Your sessions'] : ['Home', 'Welcome'];
      await page.getByRole('navigation').getByRole('link', { name: link }).click();
      await page.getByRole('heading', { name: heading }).waitFor();
    }
    me.stop();
    writeFileSync(
      path.join(RESULTS_DIR, 'me-requests.json'),
      `${JSON.stringify({ navigations: 10, meRequests: me.count }, null, 2)}\n`,
    );
    expect(me.count).toBe(1);
  });
});
