// Steps the browser tests share, written the way a person uses the page: by labels and
// button names (the accessible names the contract fixes).
import path from 'node:path';
import type { Page } from 'playwright-core';
import { RESULTS_DIR, type Stack } from './stack';

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(RESULTS_DIR, `${name}.png`), fullPage: true });
}

/** Types the address and asks for a code; returns once the "check your email" step shows. */
export async function requestCode(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByRole('heading', { name: 'Check your email' }).waitFor();
}

/** Asks for a code from the page the browser is on (which must be /login); returns it. */
export async function receiveCode(page: Page, stack: Stack, email: string): Promise<string> {
  const known = stack.auth0.outbox(email).length;
  await requestCode(page, email);
  return stack.waitForCode(email, known);
}

/** A new person (see Stack.newPerson) opens /login and asks for a code: their address, the code. */
export async function newPersonWithCode(page: Page, stack: Stack, firstName: string) {
  const email = stack.newPerson(firstName);
  await page.goto(`${stack.url}/login`);
  return { email, code: await receiveCode(page, stack, email) };
}

/** On the code step: types `code` and presses Sign in. */
export async function submitCode(page: Page, code: string): Promise<void> {
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The whole sign-in from the page the browser is on (which must be /login). */
export async function signIn(page: Page, stack: Stack, email: string): Promise<void> {
  await submitCode(page, await receiveCode(page, stack, email));
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

/** Where the page lives now, waiting until `predicate` holds (the router navigates async). */
export async function waitForPath(page: Page, predicate: (path: string) => boolean) {
  await page.waitForURL((url) => predicate(url.pathname + url.search));
  return pathOf(page);
}
