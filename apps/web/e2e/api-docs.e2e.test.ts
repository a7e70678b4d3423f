import { describe, expect, it } from 'vitest';
import { browserSuite } from './suite';

const suite = browserSuite('api-docs');

describe('the API reference page', () => {
  it('GET /api/docs renders the OpenAPI document in Chromium with no CSP violation', async () => {
    const { page } = suite.browser;
    const offOrigin: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(suite.stack.url)) offOrigin.push(request.url());
    });
    const response = await page.goto(`${suite.stack.url}/api/docs`);
    expect(response?.status()).toBe(200);
    await page.locator('body[data-rendered="true"]').waitFor();
    expect(await page.locator('section.operation').count()).toBeGreaterThan(10);
    expect(await page.locator('#Me_me').textContent()).toContain('/api/me');
    expect(await page.locator('#Passwordless_start').textContent()).toContain(
      'Public: needs no credentials.',
    );
    expect(offOrigin).toEqual([]);
    expect(suite.browser.problems).toEqual([]);
  });
});
