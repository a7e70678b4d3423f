// @ts-check
// The textbook reference server's runs (T1–T3, for the ratios), and run 6's start time: the
// API from spawn to its first 200, in fresh processes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from '../load.mjs';
import { API_FLAGS, API_MAIN } from '../stack.mjs';
import { log } from './runner.mjs';

/** @typedef {import('./context.js').BenchContext} BenchContext */
/** @typedef {import('../load.mjs').Rotate} Rotate */

const TEXTBOOK = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'textbook-server.mjs',
);

/**
 * @param {BenchContext} ctx
 * @param {{
 *   bearer: string,
 *   missRotation: () => Rotate,
 *   missRun: { amount: number, warmupAmount: number, maxSeconds: number },
 * }} credentials from the API's runs
 */
export async function textbookRuns({ runner, doc, emulators, settings }, credentials) {
  const { auth0 } = emulators;
  const { bearer, missRotation, missRun } = credentials;
  const textbookEnv = {
    JWKS_URI: `${auth0.url}/.well-known/jwks.json`,
    AUTH0_ISSUER: auth0.issuer,
    AUTH0_AUDIENCE: auth0.audience,
  };
  const textbook = await runner.start('textbook', [TEXTBOOK], textbookEnv);
  log(`textbook server up (pid ${textbook.pid}) in ${textbook.readyMs.toFixed(0)} ms`);
  await runner.runAll([
    {
      id: 'T1',
      name: 'textbook GET /api/health/live (no auth)',
      server: textbook,
      path: '/api/health/live',
    },
    {
      id: 'T2',
      name: 'textbook GET /api/me, one Bearer token',
      server: textbook,
      path: '/api/me',
      headers: { authorization: `Bearer ${bearer}` },
    },
    {
      id: 'T3',
      name: `textbook GET /api/me, ${settings.MISS_TOKENS} distinct Bearer tokens, each once`,
      server: textbook,
      path: '/api/me',
      rotate: missRotation(),
      ...missRun,
    },
  ]);
  doc.textbook = { rssKbAfterRuns: textbook.rssKb() };
  await runner.stop(textbook);
}

/**
 * Run 6: the API from spawn to the first 200 on /api/health/live, in fresh processes.
 * @param {BenchContext} ctx
 */
export async function freshStarts({ runner, doc, apiEnv, settings }) {
  const { STARTS } = settings;
  log(`run 6: API start to first 200 on /api/health/live, ${STARTS} fresh processes`);
  /** @type {number[]} */
  const startMs = [];
  for (let i = 0; i < STARTS; i++) {
    const fresh = await runner.start('portcullis-fresh', [...API_FLAGS, API_MAIN], apiEnv);
    startMs.push(round(fresh.readyMs, 1));
    await runner.stop(fresh);
  }
  if (!doc.api) return;
  doc.api.startMs = startMs;
  doc.api.startMedianMs = [...startMs].sort((a, b) => a - b)[Math.floor(STARTS / 2)];
}
