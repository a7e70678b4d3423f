// @ts-check
// Credentials for the load runs: session cookies from the API's real sign-in flow, Bearer
// tokens from logging in against the Auth0 emulator directly, and many distinct valid
// tokens signed by the emulator's key.
import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';

export const ADA = 'ada.lovelace@example.com';
export const GRACE = 'grace.hopper@example.com';

/** @typedef {import('@portcullis/emulators').Auth0Emulator} Auth0Emulator */

/**
 * Knows when the Auth0 emulator sends a code. The emulator's `log` option is called
 * synchronously right after a code lands in the outbox, so waiting costs no polling delay.
 * Codes are counted here (the outbox keeps only the last 1,000 messages, so its length stops
 * growing); the code itself is always read from `auth0.outbox(email)`, newest first.
 */
export class CodeWaiter {
  /** @type {Map<string, number>} */
  #sent = new Map();
  /** @type {Map<string, Array<() => void>>} */
  #waiters = new Map();
  /** @type {Auth0Emulator | undefined} */
  auth0;

  /**
   * Pass as the Auth0 emulator's `log` option (stack.mjs startBenchEmulators does).
   * @param {string} line
   */
  log = (line) => {
    const m = /^\[auth0-emulator\] code for (\S+):/.exec(line);
    if (!m?.[1]) return;
    const email = m[1].toLowerCase();
    this.#sent.set(email, (this.#sent.get(email) ?? 0) + 1);
    const waiters = this.#waiters.get(email) ?? [];
    this.#waiters.delete(email);
    for (const wake of waiters) wake();
  };

  /** @param {Auth0Emulator} auth0 */
  attach(auth0) {
    this.auth0 = auth0;
    return this;
  }

  /**
   * How many codes `email` has been sent so far; pass to `next` after asking for one more.
   * @param {string} email
   */
  count(email) {
    return this.#sent.get(email.toLowerCase()) ?? 0;
  }

  /**
   * The newest code once `email` has been sent more than `known`; bounded by `timeoutMs`.
   * @param {string} email
   * @param {number} known
   * @returns {Promise<string>}
   */
  async next(email, known, timeoutMs = 5000) {
    const key = email.toLowerCase();
    const deadline = performance.now() + timeoutMs;
    while (this.count(key) <= known) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`no code for ${email} within ${timeoutMs} ms`);
      // Woken by the log hook; the timer is only a fallback.
      await new Promise((/** @type {(value?: unknown) => void} */ resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        const list = this.#waiters.get(key) ?? [];
        list.push(() => {
          clearTimeout(timer);
          resolve();
        });
        this.#waiters.set(key, list);
      });
    }
    const newest = this.auth0?.outbox(email)[0];
    if (!newest) throw new Error(`the outbox has no code for ${email}`);
    return newest.code;
  }
}

/**
 * @param {string} url
 * @param {unknown} body
 */
async function postJson(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  return { res, text: await res.text() };
}

/**
 * One sign-in through the API (start, code from the outbox, verify). Returns the session
 * cookie as a `Cookie` header value, and how long each half took (ms).
 * @param {string} apiUrl
 * @param {CodeWaiter} codes
 * @param {string} email
 */
export async function signIn(apiUrl, codes, email) {
  const known = codes.count(email);
  const t0 = performance.now();
  const start = await postJson(`${apiUrl}/api/auth/passwordless/start`, { email });
  if (start.res.status !== 202) {
    throw new Error(`start answered ${start.res.status}: ${start.text.slice(0, 200)}`);
  }
  const t1 = performance.now();
  const code = await codes.next(email, known);
  const t2 = performance.now();
  const verify = await postJson(`${apiUrl}/api/auth/passwordless/verify`, { email, code });
  if (verify.res.status !== 200) {
    throw new Error(`verify answered ${verify.res.status}: ${verify.text.slice(0, 200)}`);
  }
  const t3 = performance.now();
  const cookie = verify.res.headers
    .getSetCookie()
    .map((line) => (line.split(';')[0] ?? '').trim())
    .filter((pair) => pair.indexOf('=') > 0 && !pair.endsWith('='))
    .join('; ');
  if (!cookie) throw new Error('verify set no cookie');
  return { cookie, startMs: t1 - t0, codeWaitMs: t2 - t1, verifyMs: t3 - t2, totalMs: t3 - t0 };
}

/**
 * `count` distinct sessions, signing in alternately as each of `emails` (one chain per
 * address: a new code supersedes the previous one, so one address cannot sign in twice at
 * once).
 * @param {string} apiUrl
 * @param {CodeWaiter} codes
 * @param {string[]} emails
 * @param {number} count
 */
export async function makeSessions(apiUrl, codes, emails, count) {
  /** @type {string[]} */
  const cookies = [];
  let next = 0;
  await Promise.all(
    emails.map(async (email) => {
      while (next < count) {
        next += 1;
        cookies.push((await signIn(apiUrl, codes, email)).cookie);
      }
    }),
  );
  return cookies;
}

/**
 * An access token from logging in against the Auth0 emulator directly (a native client).
 * @param {Auth0Emulator} auth0
 * @param {CodeWaiter} codes
 * @param {string} email
 * @returns {Promise<string>}
 */
export async function loginBearer(auth0, codes, email, scope = 'openid email') {
  const known = codes.count(email);
  const start = await postJson(`${auth0.url}/passwordless/start`, {
    client_id: auth0.clientId,
    client_secret: auth0.clientSecret,
    connection: 'email',
    send: 'code',
    email,
  });
  if (start.res.status !== 200) throw new Error(`Auth0 start answered ${start.res.status}`);
  const otp = await codes.next(email, known);
  const token = await postJson(`${auth0.url}/oauth/token`, {
    grant_type: 'http://auth0.com/oauth/grant-type/passwordless/otp',
    client_id: auth0.clientId,
    client_secret: auth0.clientSecret,
    realm: 'email',
    username: email,
    otp,
    audience: auth0.audience,
    scope,
  });
  if (token.res.status !== 200) throw new Error(`Auth0 token answered ${token.res.status}`);
  return JSON.parse(token.text).access_token;
}

/**
 * `n` distinct valid access tokens (distinct `jti`), signed by the emulator.
 * @param {Auth0Emulator} auth0
 * @param {number} n
 */
export function mintTokens(auth0, n) {
  const now = Math.floor(Date.now() / 1000);
  /** @type {string[]} */
  const tokens = new Array(n);
  const salt = randomBytes(8).toString('hex');
  // One real, eligible person (the API's Salesforce gate for Bearer tokens asks /userinfo
  // about the subject once per re-check interval); the tokens differ by jti.
  const sub = auth0.ensureUser(ADA);
  for (let i = 0; i < n; i++) {
    tokens[i] = auth0.signToken({
      iss: auth0.issuer,
      sub,
      aud: [auth0.audience, `${auth0.issuer}userinfo`],
      azp: auth0.clientId,
      scope: 'openid email',
      iat: now,
      exp: now + 3600,
      jti: `${salt}-${i}`,
    });
  }
  return tokens;
}

/**
 * One raw RS256 verify (RSA-2048, SHA-256) with `crypto.verify` on a prepared KeyObject —
 * the floor for verifying a token that is not cached. Microseconds per op over `ops` ops.
 * @param {Auth0Emulator} auth0
 */
export async function rawVerifyMicros(auth0, ops = 20_000) {
  const token = mintTokens(auth0, 1)[0] ?? '';
  const [h = '', p = '', s = ''] = token.split('.');
  const { kid } = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
  const res = await fetch(`${auth0.url}/.well-known/jwks.json`);
  /** @type {{ keys: Array<import('node:crypto').JsonWebKey & { kid: string }> }} */
  const jwks = await res.json();
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) throw new Error(`kid ${kid} not in the JWKS`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, 'base64url');
  const verifyOnce = () => verify('sha256', data, key, signature);
  if (!verifyOnce()) throw new Error('raw verify failed');
  for (let i = 0; i < 1000; i++) verifyOnce();
  const t0 = performance.now();
  let ok = 0;
  for (let i = 0; i < ops; i++) if (verifyOnce()) ok += 1;
  const us = ((performance.now() - t0) * 1000) / ops;
  if (ok !== ops) throw new Error('raw verify failed');
  return { usPerOp: Math.round(us * 100) / 100, ops, opsPerSecond: Math.round(1e6 / us) };
}
