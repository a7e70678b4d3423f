// Debian's Chromium driven by playwright-core, one fresh profile per launch. Every document
// is served with a strict Content-Security-Policy (added here, as a production proxy would),
// and whatever the page logs about CSP violations or uncaught errors is collected.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, findChromium } from '@portcullis/emulators/testing';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The Chromium to drive (findChromium: CHROMIUM_PATH, else `chromium`), or a clear error. */
export function chromiumPath(): string {
  const found = findChromium();
  if (!found) throw new Error('Chromium not found: apt-get install chromium, or set CHROMIUM_PATH');
  return found;
}

/** No inline scripts or styles, no eval, nothing from other origins. */
export const STRICT_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export interface Browser {
  context: BrowserContext;
  /** The profile's first tab. */
  page: Page;
  newTab(): Promise<Page>;
  /** CSP violations and uncaught page errors seen so far, in every tab. */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'portcullis-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath(),
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1000, height: 720 },
  });
  const problems: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  };
  context.on('page', watch);
  context.pages().forEach(watch);
  await context.route('**/*', async (route) => {
    if (route.request().resourceType() !== 'document') return route.fallback();
    const response = await route.fetch();
    await route.fulfill({
      response,
      headers: { ...response.headers(), 'content-security-policy': STRICT_CSP },
    });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    newTab: () => context.newPage(),
    problems,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Counts the requests a page makes to one API path (method + pathname). */
export function countRequests(page: Page, method: string, pathname: string) {
  let count = 0;
  const onRequest = (request: { method(): string; url(): string }) => {
    if (request.method() === method && new URL(request.url()).pathname === pathname) count += 1;
  };
  page.on('request', onRequest);
  return {
    get count() {
      return count;
    },
    stop: () => page.off('request', onRequest),
  };
}
