// What every browser test file sets up: its own stack for the file, and a fresh browser
// profile per test whose pages may log no CSP violation and throw no error.
import { mkdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { launchBrowser, type Browser } from './browser';
import { RESULTS_DIR, startStack, type Stack, type StackOptions } from './stack';

export interface Suite {
  /** Started before the file's first test, stopped after its last. */
  readonly stack: Stack;
  /** Launched before each test, closed (and checked) after it. */
  readonly browser: Browser;
}

/** Registers the file's hooks; read `stack` and `browser` from the result inside tests. */
export function browserSuite(name: string, options: StackOptions = {}): Suite {
  const suite = {} as { stack: Stack; browser: Browser };
  beforeAll(async () => {
    mkdirSync(RESULTS_DIR, { recursive: true });
    suite.stack = await startStack(name, options);
  });
  afterAll(async () => {
    await suite.stack?.stop();
  });
  beforeEach(async () => {
    suite.browser = await launchBrowser();
  });
  afterEach(() => closeChecked(suite.browser));
  return suite;
}

/**
 * Closes a browser, then fails the test if any of its pages met a problem: every page ran
 * under a strict CSP, so nothing may have been refused, and nothing may have thrown.
 */
export async function closeChecked(browser: Browser): Promise<void> {
  const problems = [...browser.problems];
  await browser.close();
  expect(problems).toEqual([]);
}
