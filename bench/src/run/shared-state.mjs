// @ts-check
// The shared-state runs (issue 11): a real redis-server and two API instances on it (R1–R3),
// how fast a logout on A is refused on B, sign-ins with Redis, Redis memory per session.
import { CONNECTIONS, rotation, round } from '../load.mjs';
import { redisAvailable, revocationPropagation, startRedisServer } from '../redis.mjs';
import { benchContacts, signInRun } from '../signin.mjs';
import { API_FLAGS, API_MAIN } from '../stack.mjs';
import { makeSessions } from '../tokens.mjs';
import { log } from './runner.mjs';

/** @typedef {import('./context.js').BenchContext} BenchContext */

/** @param {BenchContext} ctx */
export async function sharedStateRuns({ runner, doc, codes, emulators, apiEnv, settings }) {
  const { SESSIONS, SIGNIN_SECONDS, PROPAGATION_SESSIONS } = settings;
  const { salesforce } = emulators;
  if (!redisAvailable()) {
    doc.redis = {
      available: false,
      reason: 'redis-server / redis-cli not installed (apt-get install redis-server)',
    };
    log(`Redis runs skipped: ${doc.redis.reason}`);
    return;
  }
  const redis = await startRedisServer();
  try {
    const redisEnv = { ...apiEnv, REDIS_URL: redis.url, KEY_PREFIX: 'bench:' };
    const ra = await runner.start('portcullis-redis-a', [...API_FLAGS, API_MAIN], redisEnv);
    const rb = await runner.start('portcullis-redis-b', [...API_FLAGS, API_MAIN], redisEnv);
    log(`two API instances on Redis ${redis.url}: ${ra.url}, ${rb.url}`);
    const memory0 = redis.usedMemory();
    const redisPeople = [...benchContacts(salesforce, Math.ceil(SESSIONS / 40), 'bench.redis')];
    const redisSessions = await makeSessions(ra.url, codes, redisPeople, SESSIONS);
    /** @type {import('../report/doc.js').RedisDoc & { available: true }} */
    const red = {
      available: true,
      sessions: redisSessions.length,
      bytesPerSession: round((redis.usedMemory() - memory0) / redisSessions.length, 0),
      keys: redis.keys(),
    };
    doc.redis = red;
    await runner.runAll([
      {
        id: 'R1',
        name: 'Redis: GET /api/health/live (instance A)',
        server: ra,
        path: '/api/health/live',
      },
      {
        id: 'R2',
        name: 'Redis: GET /api/me, one session cookie (instance A)',
        server: ra,
        path: '/api/me',
        headers: { cookie: redisSessions[0] ?? '' },
      },
      {
        id: 'R3',
        name: `Redis: GET /api/me, ${SESSIONS} session cookies rotated (instance A)`,
        server: ra,
        path: '/api/me',
        rotate: { header: 'cookie', prefix: '', source: rotation(redisSessions) },
      },
    ]);
    log(`revocation propagation: logout on A, refused on B (${PROPAGATION_SESSIONS} sessions)`);
    red.propagation = await revocationPropagation(
      ra,
      rb,
      redisSessions.slice(-PROPAGATION_SESSIONS),
    );
    log(`  p50 ${red.propagation.p50Ms} ms, p99 ${red.propagation.p99Ms} ms`);
    log(`sign-in with Redis, ${CONNECTIONS} concurrent clients, ${SIGNIN_SECONDS} s`);
    red.signIn = await signInRun({
      server: ra,
      codes,
      emails: benchContacts(salesforce, CONNECTIONS, 'bench.redis.signin'),
      seconds: SIGNIN_SECONDS,
      concurrency: CONNECTIONS,
    });
    log(`  ${red.signIn.loaded.perSecond} sign-ins/s, p50 ${red.signIn.loaded.p50Ms} ms`);
    await runner.stop(rb);
    await runner.stop(ra);
  } finally {
    await redis.stop();
  }
}
