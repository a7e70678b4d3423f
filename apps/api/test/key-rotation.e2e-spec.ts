// Rotating SESSION_SECRETS on a rolling deploy (issue 20 case 3). Two API instances on one real
// redis-server, restarted one at a time with the rings docs/sessions.md prescribes:
// `old` → `old,new` on every instance → `new,old` on every instance → `new`. A signed-in
// person's session survives every step, on both instances, through refreshes that seal it
// under whichever secret comes first where they run, and is never deleted; the cookie is
// never cleared. Before the fix, the second test's instance deleted the session it could
// not open (the one-step rotation the issue reported), and the first test's session, used
// only on one instance after the second step, was still sealed under the old secret when
// it was dropped, and was deleted. A flood challenge issued on one instance is accepted
// on the other in the middle of a rotation.
import { randomBytes } from 'node:crypto';
import { ChallengeProblemSchema } from '@portcullis/shared';
import type { EmulatorStack } from '@portcullis/emulators/testing';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import { KeyRing } from '../src/session/key-ring.js';
import { STALE_MS } from '../src/session/session.service.js';
import { SessionStore } from '../src/session/session-store.js';
import {
  ADA,
  Client,
  signIn,
  startStack,
  startUpstreams,
  type Reply,
  type Stack,
} from './harness.js';
import { START } from './fixtures.js';
import { describeWithRedis, startRedis, type RedisServer } from './redis.js';

const OLD = 'rotation-old-secret-0123456789abcdef0123456789';
const NEW = 'rotation-new-secret-0123456789abcdef0123456789';
const METRICS_TOKEN = 'metrics-token-for-rotation-0123456789';
const COOKIE = 'portcullis';

/** Which of the two secrets sealed a record's tokens. */
function sealedUnder(tokens: string): 'old' | 'new' | 'neither' {
  if (new KeyRing([OLD]).isCurrent(tokens)) return 'old';
  if (new KeyRing([NEW]).isCurrent(tokens)) return 'new';
  return 'neither';
}

/** Which of the two secrets MACed a cookie value. */
function macUnder(cookie: string): 'old' | 'new' | 'neither' {
  const [id, mac] = [cookie.slice(0, 22), cookie.slice(23)];
  if (new KeyRing([OLD]).verify(id, mac)) return 'old';
  if (new KeyRing([NEW]).verify(id, mac)) return 'new';
  return 'neither';
}

/** Whether an answer removes the session cookie from the browser. */
const clears = (res: Reply) =>
  res.setCookies.some(
    (line) => line.startsWith(`${COOKIE}=;`) || /^portcullis=[^;]*;.*max-age=0/i.test(line),
  );

/** A browser (or one tab of it): a cookie jar that follows it from instance to instance. */
class Browser {
  jar = new Map<string, string>();
  cleared = false;

  static of(client: Client): Browser {
    const browser = new Browser();
    browser.jar = new Map(client.jar);
    return browser;
  }

  /** Another tab that kept the cookies as they are now (a request still in flight, a copy). */
  tab(): Browser {
    const other = new Browser();
    other.jar = new Map(this.jar);
    return other;
  }

  get session(): string {
    const value = this.jar.get(COOKIE);
    if (!value) throw new Error('the browser holds no session cookie');
    return value;
  }

  async send(stack: Stack, method: string, path: string): Promise<Reply> {
    const client = new Client(stack.url);
    for (const [k, v] of this.jar) client.jar.set(k, v);
    const res = await client.request(method, path);
    if (clears(res)) this.cleared = true;
    this.jar = new Map(client.jar);
    return res;
  }
}

/**
 * Two instances, A and B, on one redis-server and one pair of emulators; each restarted on
 * its own with a new SESSION_SECRETS, as a rolling deploy does.
 */
class Deployment {
  readonly instances = new Map<'A' | 'B', Stack>();
  readonly rings = new Map<'A' | 'B', string>();
  /**
   * The logs of every instance ever started. Nest's static Logger writes to the app created
   * last, so a line may land in another instance's array: the tests look at all of them.
   */
  readonly logs: string[][] = [];
  private readonly offsets = new Map<Stack, number>();

  constructor(
    private readonly redisUrl: string,
    private readonly upstreams: EmulatorStack,
    private readonly settings: Record<string, string> = {},
    private readonly prefix = `rotation-${randomBytes(4).toString('hex')}:`,
  ) {}

  get(name: 'A' | 'B'): Stack {
    const stack = this.instances.get(name);
    if (!stack) throw new Error(`instance ${name} is not running`);
    return stack;
  }

  /** Starts (or stops and starts again) one instance with `secrets` as SESSION_SECRETS. */
  async run(name: 'A' | 'B', secrets: string[]): Promise<Stack> {
    await this.instances.get(name)?.stop();
    this.instances.delete(name);
    const stack = await startStack(
      {
        REDIS_URL: this.redisUrl,
        KEY_PREFIX: this.prefix,
        SESSION_SECRETS: secrets.join(','),
        METRICS_TOKEN,
        ELIGIBILITY_CACHE_SECONDS: '0',
        ...this.settings,
      },
      {},
      { upstreams: { auth0: this.upstreams.auth0, salesforce: this.upstreams.salesforce } },
    );
    this.instances.set(name, stack);
    this.logs.push(stack.logs);
    this.rings.set(name, secrets.map((s) => (s === OLD ? 'old' : 'new')).join(','));
    return stack;
  }

  /**
   * Moves one instance's clock past the staleness bound, so its next request on a session it
   * has cached reads the record from Redis again (what 5 s of real time would do).
   */
  stale(name: 'A' | 'B'): void {
    const stack = this.get(name);
    const offset = (this.offsets.get(stack) ?? 0) + STALE_MS + 1000;
    this.offsets.set(stack, offset);
    stack.setApiClockOffset(offset);
  }

  /** The session's record as Redis holds it (any running instance reads the same store). */
  async record(id: string) {
    const [any] = this.instances.values();
    return any!.app.get(SessionStore).get(id);
  }

  async stop(): Promise<void> {
    for (const stack of this.instances.values()) await stack.stop();
    this.instances.clear();
  }
}

async function metricsOf(stack: Stack): Promise<string> {
  const res = await fetch(`${stack.url}/api/metrics`, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  return res.text();
}

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

/** Log lines of every instance of the deployment that match. */
function logged(deployment: Deployment, pattern: RegExp): string[] {
  return deployment.logs.flat().filter((l) => pattern.test(l));
}

/** Audit events that end a session, on any instance. */
const endings = (deployment: Deployment) =>
  logged(deployment, /"event":"(session_ended|logged_out)"/);

describeWithRedis('rotating SESSION_SECRETS on a rolling deploy', () => {
  let redis: RedisServer | undefined;
  let upstreams: EmulatorStack | undefined;
  let deployment: Deployment | undefined;

  beforeAll(async () => {
    redis = await startRedis();
    upstreams = await startUpstreams();
  });

  afterEach(async () => {
    await deployment?.stop();
    deployment = undefined;
  });

  afterAll(async () => {
    await deployment?.stop();
    await upstreams?.stop();
    await redis?.stop();
  });

  it('old → old,new everywhere → new,old everywhere → new: the session survives every step on both instances, through refreshes, and is never deleted', async () => {
    const d = (deployment = new Deployment(redis!.url, upstreams!));
    const timeline: string[] = [];
    let step = 'step 0, SESSION_SECRETS=old on A and B';
    await d.run('A', [OLD]);
    await d.run('B', [OLD]);
    const browser = Browser.of(await signIn(d.get('A'), ADA));
    const id = browser.session.slice(0, 22);

    /** A request that must succeed, named by the step and the instance for a failure. */
    const ok = async (name: 'A' | 'B', method: 'GET' | 'POST', path: string) => {
      const res = await browser.send(d.get(name), method, path);
      if (res.status !== 200 || browser.cleared) {
        const kept = (await d.record(id)) ? 'kept in Redis' : 'deleted from Redis';
        throw new Error(
          `${step}: ${method} ${path} on ${name} (${d.rings.get(name)}) answered ${res.status} ` +
            `${res.text}${browser.cleared ? ', cleared the cookie' : ''}; the session was ${kept}`,
        );
      }
      expect(res.body.user.email).toBe(ADA);
      return res;
    };
    /** The session is still in Redis; notes which secret sealed it and MACed the cookie. */
    const note = async (label: string) => {
      const record = await d.record(id);
      if (!record) throw new Error(`${step}: the session was deleted from Redis`);
      timeline.push(
        `${label}: record ${sealedUnder(record.tokens)}, cookie ${macUnder(browser.session)}`,
      );
    };

    await ok('A', 'GET', '/api/me');
    await ok('B', 'GET', '/api/me');
    await note('0 signed in');

    step = 'step 1, A restarted with old,new; B still old';
    await d.run('A', [OLD, NEW]);
    await ok('A', 'GET', '/api/me');
    await ok('B', 'GET', '/api/me');
    // A refresh on A seals under its first secret, the old one: the new one is never used yet.
    await ok('A', 'POST', '/api/auth/refresh');
    d.stale('B');
    await ok('B', 'GET', '/api/me'); // B reads the refreshed record from Redis
    await note('1 refreshed on A (old,new)');

    step = 'step 1, B restarted with old,new';
    await d.run('B', [OLD, NEW]);
    await ok('A', 'GET', '/api/me');
    await ok('B', 'GET', '/api/me');
    await note('1 old,new everywhere');

    step = 'step 2, A restarted with new,old; B still old,new';
    await d.run('A', [NEW, OLD]);
    await ok('A', 'GET', '/api/me'); // re-issues the cookie and re-seals under new
    await note('2 used on A (new,old)');
    await ok('B', 'GET', '/api/me'); // B holds new too
    // A refresh on B seals under B's first secret, the old one, which A still accepts.
    await ok('B', 'POST', '/api/auth/refresh');
    await note('2 refreshed on B (old,new)');
    d.stale('A');
    await ok('A', 'GET', '/api/me'); // A reads B's refresh from Redis and re-seals it
    await note('2 used on A after the refresh on B');

    step = 'step 2, B restarted with new,old';
    await d.run('B', [NEW, OLD]);
    // The person's requests now all land on A (a sticky balancer, or chance): B does not
    // load the session again before the old secret leaves its ring.
    d.stale('A');
    await ok('A', 'GET', '/api/me');
    await note('2 new,old everywhere, used on A');

    step = 'step 3, B restarted with new; A still new,old';
    await d.run('B', [NEW]);
    await ok('B', 'GET', '/api/me');
    await ok('A', 'GET', '/api/me');
    await ok('B', 'POST', '/api/auth/refresh');
    d.stale('A');
    await ok('A', 'GET', '/api/me');
    await note('3 refreshed on B (new)');

    step = 'step 3, A restarted with new';
    await d.run('A', [NEW]);
    await ok('A', 'GET', '/api/me');
    await ok('B', 'GET', '/api/me');
    await note('3 new everywhere');

    expect(timeline).toEqual([
      '0 signed in: record old, cookie old',
      '1 refreshed on A (old,new): record old, cookie old',
      '1 old,new everywhere: record old, cookie old',
      '2 used on A (new,old): record new, cookie new',
      '2 refreshed on B (old,new): record old, cookie old',
      '2 used on A after the refresh on B: record new, cookie new',
      '2 new,old everywhere, used on A: record new, cookie new',
      '3 refreshed on B (new): record new, cookie new',
      '3 new everywhere: record new, cookie new',
    ]);
    expect(endings(d)).toEqual([]);

    // A session that really ends is still cleared from the browser, on the other instance too.
    const copy = browser.tab();
    expect((await browser.send(d.get('A'), 'POST', '/api/auth/logout')).status).toBe(204);
    expect(await d.record(id)).toBeUndefined();
    const after = await copy.send(d.get('B'), 'GET', '/api/me');
    expect(after.status).toBe(401);
    expect(copy.cleared).toBe(true);
  });

  it('an instance without the secret a cookie or record was made under refuses it and ends nothing (the one-step rotation of the issue: new,old on A while B still has old)', async () => {
    const d = (deployment = new Deployment(redis!.url, upstreams!));
    await d.run('A', [OLD]);
    await d.run('B', [OLD]);
    const browser = Browser.of(await signIn(d.get('A'), ADA));
    const id = browser.session.slice(0, 22);
    expect((await browser.send(d.get('B'), 'GET', '/api/me')).status).toBe(200);
    // A tab whose request still carries the cookie from before the rotation.
    const tab = browser.tab();

    await d.run('A', [NEW, OLD]);
    expect((await browser.send(d.get('A'), 'GET', '/api/me')).status).toBe(200);
    expect(macUnder(browser.session)).toBe('new');
    expect(sealedUnder((await d.record(id))!.tokens)).toBe('new');
    const b = d.get('B');

    // B cannot verify the new cookie: 401 before any store read, and the cookie stays.
    const unverified = await browser.send(b, 'GET', '/api/me');
    expect(unverified.status).toBe(401);
    expect(unverified.body.code).toBe('unauthenticated');
    // B cannot open the record A re-sealed: 503 with Retry-After, nothing deleted or cleared.
    d.stale('B');
    const unreadable = await tab.send(b, 'GET', '/api/me');
    expect(unreadable.status).toBe(503);
    expect(unreadable.body.code).toBe('upstream_unavailable');
    expect(Number(unreadable.headers.get('retry-after'))).toBeGreaterThan(0);
    const refresh = await tab.send(b, 'POST', '/api/auth/refresh');
    expect(refresh.status).toBe(503);
    // Logout there would not be done: 503 rather than a 204 that left the session alive.
    expect((await browser.send(b, 'POST', '/api/auth/logout')).status).toBe(503);
    expect(browser.cleared || tab.cleared).toBe(false);
    expect(await d.record(id)).toBeDefined();
    expect(endings(d)).toEqual([]);
    const metrics = await metricsOf(b);
    expect(sample(metrics, 'portcullis_session_key_misses_total', 'kind="cookie"')).toBeGreaterThan(
      0,
    );
    expect(sample(metrics, 'portcullis_session_key_misses_total', 'kind="record"')).toBeGreaterThan(
      0,
    );
    expect(logged(d, /sealed under a secret that is not in SESSION_SECRETS/)).not.toEqual([]);

    // The session carries on where the secret is held, and everywhere once B has it too.
    expect((await browser.send(d.get('A'), 'GET', '/api/me')).status).toBe(200);
    expect((await tab.send(d.get('A'), 'GET', '/api/me')).status).toBe(200);
    await d.run('B', [NEW, OLD]);
    expect((await browser.send(d.get('B'), 'GET', '/api/me')).status).toBe(200);
    expect((await tab.send(d.get('B'), 'GET', '/api/me')).status).toBe(200);
    expect(browser.cleared || tab.cleared).toBe(false);
    expect(endings(d)).toEqual([]);
  });

  it('mid-rotation (A new,old, B old,new), a flood challenge issued by either instance is accepted by the other', async () => {
    const d = (deployment = new Deployment(redis!.url, upstreams!, {
      STARTS_GLOBAL_PER_MINUTE: '2',
      CHALLENGE_DIFFICULTY: '500',
    }));
    await d.run('A', [NEW, OLD]);
    await d.run('B', [OLD, NEW]);
    for (let i = 0; i < 2; i++)
      expect(
        (
          await d
            .get('A')
            .client()
            .post(START, { email: `flood-${i}@example.com` })
        ).status,
      ).toBe(202);
    for (const [issuer, redeemer] of [
      ['A', 'B'],
      ['B', 'A'],
    ] as const) {
      const client = d.get(issuer).client();
      const asked = await client.post(START, { email: ADA });
      expect(asked.status).toBe(428);
      const { challenge } = ChallengeProblemSchema.parse(asked.body);
      const solution = await solveChallenge({ challenge, deriveKey });
      const proof = Buffer.from(JSON.stringify({ challenge, solution })).toString('base64');
      const redeemed = await new Client(d.get(redeemer).url).post(START, { email: ADA, proof });
      expect(redeemed.status).toBe(202);
    }
  });
});
