// @ts-check
// The API's runs: 1–4b under load (cookies from real sign-ins, Bearer tokens from the Auth0
// emulator), run 5 (sign-in), run 6 (RSS) and the SPA numbers, on one API process.
import { CONNECTIONS, rotation, round } from '../load.mjs';
import { benchContacts, signInRun } from '../signin.mjs';
import { measureSpa } from '../spa.mjs';
import { API_FLAGS, API_MAIN } from '../stack.mjs';
import { ADA, GRACE, loginBearer, makeSessions, mintTokens } from '../tokens.mjs';
import { log } from './runner.mjs';

/** @typedef {import('./context.js').BenchContext} BenchContext */

/**
 * Runs 1–6 and the SPA; returns what the textbook runs reuse: the one Bearer token and the
 * distinct tokens' rotation.
 * @param {BenchContext} ctx
 */
export async function apiRuns({ runner, doc, codes, emulators, apiEnv, settings }) {
  const { SESSIONS, MISS_TOKENS, WARM_TOKENS, SIGNIN_SECONDS } = settings;
  const { auth0, salesforce } = emulators;
  const api = await runner.start('portcullis', [...API_FLAGS, API_MAIN], apiEnv);
  log(`API up (pid ${api.pid}) in ${api.readyMs.toFixed(0)} ms at ${api.url}`);
  doc.api = { rssKbAtStart: api.rssKb() };

  // A person has at most 50 sessions (the oldest ends first): 40 each keeps every one alive.
  const people = [
    ADA,
    GRACE,
    ...benchContacts(salesforce, Math.ceil(SESSIONS / 40), 'bench.session'),
  ];
  log(`signing in ${SESSIONS} times through the API (${people.length} people)`);
  const sessions = await makeSessions(api.url, codes, people, SESSIONS);
  if (new Set(sessions).size !== sessions.length) throw new Error('session cookies not distinct');
  doc.api.cookieBytes = Buffer.byteLength(sessions[0] ?? '');
  doc.api.rssKbAfterSessions = api.rssKb();
  const bearer = await loginBearer(auth0, codes, ADA);
  log(`minting ${MISS_TOKENS + WARM_TOKENS} distinct Bearer tokens`);
  const missTokens = mintTokens(auth0, MISS_TOKENS + 4 * CONNECTIONS);
  const warmTokens = mintTokens(auth0, WARM_TOKENS);
  const cookieRotation = () => ({ header: 'cookie', prefix: '', source: rotation(sessions) });
  const missRotation = () => ({
    header: 'authorization',
    prefix: 'Bearer ',
    source: rotation(missTokens),
    warmupSource: rotation(warmTokens),
  });
  const missRun = { amount: MISS_TOKENS, warmupAmount: WARM_TOKENS, maxSeconds: 90 };

  await runner.runAll([
    {
      id: '1',
      name: 'GET /api/health/live (no auth, the ceiling)',
      server: api,
      path: '/api/health/live',
    },
    {
      id: '2',
      name: 'GET /api/me, one session cookie',
      server: api,
      path: '/api/me',
      headers: { cookie: sessions[0] ?? '' },
    },
    {
      id: '2b',
      name: 'GET /api/greeting, one session cookie',
      server: api,
      path: '/api/greeting',
      headers: { cookie: sessions[0] ?? '' },
    },
    {
      id: '3',
      name: `GET /api/me, ${SESSIONS} session cookies rotated`,
      server: api,
      path: '/api/me',
      rotate: cookieRotation(),
    },
    {
      id: '3b',
      name: `GET /api/greeting, ${MISS_TOKENS} distinct Bearer tokens, each once (cache miss)`,
      server: api,
      path: '/api/greeting',
      rotate: missRotation(),
      ...missRun,
    },
    {
      id: '4',
      name: 'GET /api/me, one Bearer token (profile cached per token)',
      server: api,
      path: '/api/me',
      headers: { authorization: `Bearer ${bearer}` },
    },
    {
      id: '4b',
      name: 'GET /api/greeting, one Bearer token',
      server: api,
      path: '/api/greeting',
      headers: { authorization: `Bearer ${bearer}` },
    },
  ]);

  log(`run 5: sign-in (start + verify), ${CONNECTIONS} concurrent clients, ${SIGNIN_SECONDS} s`);
  doc.signIn = await signInRun({
    server: api,
    codes,
    emails: benchContacts(salesforce, CONNECTIONS),
    seconds: SIGNIN_SECONDS,
    concurrency: CONNECTIONS,
  });
  if (doc.signIn.serial.errors + doc.signIn.loaded.errors > 0) {
    console.error(`--- last output of the API ---\n${api.output()}`);
  }
  log(
    `  ${doc.signIn.loaded.perSecond} sign-ins/s, p50 ${doc.signIn.loaded.p50Ms} ms, ` +
      `${doc.signIn.loaded.cpuUsPerSignIn} µs API CPU per sign-in`,
  );

  doc.api.rssKbAfterRuns = api.rssKb();
  log(`run 6: API RSS after the runs ${round(doc.api.rssKbAfterRuns / 1024, 1)} MB`);

  log('SPA: first load of /login and /me requests per 10 navigations (headless Chromium)');
  try {
    doc.spa = await measureSpa({ apiUrl: api.url, codes });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    doc.spa = { available: false, reason: `failed: ${message.split('\n')[0]}` };
  }
  if (!doc.spa.available) log(`  n/a: ${doc.spa.reason}`);
  else if ('error' in doc.spa.navigation) log(`  navigations n/a: ${doc.spa.navigation.error}`);
  await runner.stop(api);
  return { bearer, missRotation, missRun };
}
