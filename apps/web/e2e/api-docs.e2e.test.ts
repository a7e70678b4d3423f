import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from './browser';
import { startStack, type Stack } from './stack';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack('api-docs');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the API reference page', () => {
  it('GET /api/docs renders the OpenAPI document in Chromium with no CSP violation', async () => {
    const { page } = browser;
    const offOrigin: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(stack.url)) offOrigin.push(request.url());
    });
    const response = await page.goto(`${stack.url}/api/docs`);
    expect(response?.status()).toBe(200);
    await page.locator('body[data-rendered="true"]').waitFor();
    expect(await page.locator('section.operation').count()).toBeGreaterThan(10);
    expect(await page.locator('#Me_me').textContent()).toContain('/api/me');
    expect(await page.locator('#Passwordless_start').textContent()).toContain(
      'Public: needs no credentials.',
    );
    expect(offOrigin).toEqual([]);
    expect(browser.problems).toEqual([]);
  });
});
