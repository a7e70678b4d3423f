// @ts-check
// SPA numbers, from the wire in headless Chromium: the gzip size of the JS and CSS the first
// load of /login fetches (entry, preloads, stylesheets and the lazily loaded login chunk),
// and how many /api/me requests 10 in-app navigations between guarded routes make after
// signing in through the UI. "n/a" (with a reason) when Chromium or the built SPA is missing,
// or when the browser part fails: the SPA is not what the load runs measure.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CHROMIUM_ARGS, findChromium } from '@portcullis/emulators/testing';
import { ADA } from './tokens.mjs';

const WEB_DIST = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'apps',
  'web',
  'dist',
);
const STEP_MS = 10_000;

/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('./tokens.mjs').CodeWaiter} CodeWaiter */
/**
 * @typedef {object} LoadedFile A script or stylesheet of the first load.
 * @property {'js' | 'css'} type
 * @property {string} file
 * @property {boolean} beforeForm
 * @property {number} rawBytes
 * @property {number} gzipBytes
 */
/** @typedef {Awaited<ReturnType<typeof measureFirstLoad>>} FirstLoad */
/** @typedef {Awaited<ReturnType<typeof measureNavigations>> | { error: string }} Navigation */
/**
 * @typedef {{ available: false, reason: string }
 *   | { available: true, firstLoad: FirstLoad, navigation: Navigation }} SpaResult
 */

/**
 * @param {{ apiUrl: string, codes: CodeWaiter, email?: string }} options
 * @returns {Promise<SpaResult>}
 */
export async function measureSpa({ apiUrl, codes, email = ADA }) {
  const executablePath = findChromium();
  if (!executablePath) {
    return {
      available: false,
      reason: 'Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)',
    };
  }
  if (!existsSync(path.join(WEB_DIST, 'index.html'))) {
    return { available: false, reason: 'apps/web/dist/index.html not found (SPA not built)' };
  }
  const probe = await fetch(`${apiUrl}/login`);
  const html = await probe.text();
  if (probe.status !== 200 || !/<div id="root">/.test(html)) {
    return {
      available: false,
      reason: `the API does not serve the SPA (GET /login: ${probe.status})`,
    };
  }

  const { chromium } = await import('playwright-core');
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'portcullis-bench-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS],
      timeout: 30_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_MS);
    const firstLoad = await measureFirstLoad(page, apiUrl);
    // The SPA may still be changing: a failed sign-in or navigation leaves the sizes standing.
    /** @type {Navigation} */
    let navigation;
    try {
      navigation = await measureNavigations(page, apiUrl, codes, email);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      navigation = { error: message.split('\n')[0] ?? '' };
    }
    return { available: true, firstLoad, navigation };
  } finally {
    await context?.close().catch(() => {});
    await rm(userDataDir, { recursive: true, force: true });
  }
}

/**
 * Every script and stylesheet the first load of /login fetches, gzipped (level 9): those
 * fetched by the time the login form shows, and those fetched after it until the network is
 * idle (e.g. a chunk the first API call imports lazily).
 * @param {Page} page
 * @param {string} apiUrl
 */
async function measureFirstLoad(page, apiUrl) {
  /** @type {Array<Promise<LoadedFile>>} */
  const pending = [];
  let formShown = false;
  /** @param {import('playwright-core').Response} response */
  const onResponse = (response) => {
    const type = response.request().resourceType();
    if (type !== 'script' && type !== 'stylesheet') return;
    const beforeForm = !formShown;
    pending.push(
      response.body().then((body) => ({
        type: type === 'script' ? 'js' : 'css',
        file: new URL(response.url()).pathname,
        beforeForm,
        rawBytes: body.length,
        gzipBytes: gzipSync(body, { level: 9 }).length,
      })),
    );
  };
  page.on('response', onResponse);
  await page.goto(`${apiUrl}/login`, { waitUntil: 'commit' });
  await page.getByLabel('Email address').waitFor();
  formShown = true;
  await page.waitForLoadState('networkidle');
  page.off('response', onResponse);
  const files = await Promise.all(pending);
  /**
   * @param {'js' | 'css'} type
   * @param {'rawBytes' | 'gzipBytes'} key
   * @param {(f: LoadedFile) => boolean} [only]
   */
  const sum = (type, key, only = () => true) =>
    files.filter((f) => f.type === type && only(f)).reduce((total, f) => total + f[key], 0);
  /** @param {LoadedFile} f */
  const early = (f) => f.beforeForm;
  // apps/web loads the zod schemas (contract-*.js) once the login page is on screen and the
  // browser is idle (src/api/contract.ts): not part of what paints /login.
  /** @param {LoadedFile} f */
  const forPaint = (f) => !/\/contract-[^/]+\.js$/.test(f.file);
  return {
    files,
    jsRawBytes: sum('js', 'rawBytes'),
    jsGzipBytes: sum('js', 'gzipBytes'),
    jsGzipBytesBeforeForm: sum('js', 'gzipBytes', early),
    jsGzipBytesToPaint: sum('js', 'gzipBytes', forPaint),
    cssRawBytes: sum('css', 'rawBytes'),
    cssGzipBytes: sum('css', 'gzipBytes'),
  };
}

/**
 * Signs in through the UI, then navigates 10 times between guarded routes, by clicking the
 * app's own links when it has at least two (client-side navigations), else by full page
 * loads; counts /api/me requests during those 10 navigations.
 * @param {Page} page
 * @param {string} apiUrl
 * @param {CodeWaiter} codes
 * @param {string} email
 */
async function measureNavigations(page, apiUrl, codes, email) {
  const known = codes.count(email);
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Send code' }).click();
  const code = await codes.next(email, known);
  await page.getByLabel('Verification code').fill(code);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  await page.waitForLoadState('networkidle');

  const guarded = await guardedLinks(page);
  let meRequests = 0;
  /** @param {import('playwright-core').Request} request */
  const onRequest = (request) => {
    if (new URL(request.url()).pathname === '/api/me') meRequests += 1;
  };
  page.on('request', onRequest);
  /** @type {string[]} */
  const visited = [];
  try {
    for (let i = 0; i < 10; i++) {
      if (guarded.length >= 2) {
        const target = /** @type {{ name: string, path: string }} */ (
          guarded[(i + 1) % guarded.length]
        );
        await page
          .getByRole('navigation')
          .getByRole('link', { name: target.name, exact: true })
          .first()
          .click();
        await page.waitForURL((url) => url.pathname === target.path);
        visited.push(target.path);
      } else {
        const target = i % 2 === 0 ? '/' : (guarded[0]?.path ?? '/');
        await page.goto(apiUrl + target, { waitUntil: 'networkidle' });
        visited.push(target);
      }
      await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
    }
    await page.waitForLoadState('networkidle');
  } finally {
    page.off('request', onRequest);
  }
  return {
    meRequestsPer10Navigations: meRequests,
    navigationMode:
      guarded.length >= 2
        ? `client-side: clicking the app's links (${guarded.map((g) => g.path).join(', ')})`
        : 'full page loads (page.goto): the SPA has fewer than two linked guarded routes',
    visited,
  };
}

/**
 * Same-origin links in the app's navigation landmarks, other than /login.
 * @param {Page} page
 */
async function guardedLinks(page) {
  const links = await page
    .getByRole('navigation')
    .getByRole('link')
    .evaluateAll((anchors) =>
      anchors.map((a) => ({
        name: (a.textContent ?? '').trim(),
        href: /** @type {HTMLAnchorElement} */ (a).href,
      })),
    );
  const seen = new Set();
  /** @type {Array<{ name: string, path: string }>} */
  const out = [];
  for (const { name, href } of links) {
    const url = new URL(href);
    if (url.origin !== new URL(page.url()).origin || url.pathname.startsWith('/login')) continue;
    if (!name || seen.has(url.pathname)) continue;
    seen.add(url.pathname);
    out.push({ name, path: url.pathname });
  }
  return out;
}
