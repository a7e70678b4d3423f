// GET /api/metrics: Prometheus text behind its own bearer token (METRICS_TOKEN, compared in
// constant time; unset, the route does not exist). After a scripted sign-in it shows the
// funnel counters, both upstreams' latency histograms and the Salesforce usage gauge, read
// from the Sforce-Limit-Info the emulator sends. No email, IP or id in any label.
import { ProblemSchema } from '@portcullis/shared';
import { ADA, CHARLES, signIn, startStack, type Stack } from './harness.js';
import { useStack } from './fixtures.js';

const TOKEN = 'metrics-token-for-tests-0123456789';
const START = '/api/auth/passwordless/start';
const VERIFY = '/api/auth/passwordless/verify';

/**
 * GET /api/metrics with plain fetch: the route's 200 is Prometheus text, which is documented
 * by the OpenAPI work (if at all), not by the JSON contract the harness's client checks.
 */
async function metrics(stack: Stack, headers: Record<string, string> = {}) {
  const res = await fetch(`${stack.url}/api/metrics`, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: safeJson(text) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The value of one sample (`name{labels} value`), 0 when absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(labels ? `${name}{${labels}}` : `${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('GET /api/metrics', () => {
  const stack = useStack({ METRICS_TOKEN: TOKEN, ELIGIBILITY_CACHE_SECONDS: '0' });

  const scrape = async () => {
    const res = await metrics(stack, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text;
  };

  it('401 unauthenticated without the token, with a wrong one, and with a session cookie alone', async () => {
    const none = await metrics(stack);
    expect(none.status).toBe(401);
    expect(ProblemSchema.parse(none.body).code).toBe('unauthenticated');
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(1)}`,
      TOKEN,
      'Basic x',
    ]) {
      const res = await metrics(stack, { authorization });
      expect(res.status).toBe(401);
    }
    const signedIn = await signIn(stack, ADA);
    expect((await metrics(stack, { cookie: `portcullis=${signedIn.session}` })).status).toBe(401);
  });

  it('after a sign-in, a refresh and a logout: the funnel, session and refresh counters moved', async () => {
    const before = await scrape();
    const client = await signIn(stack, ADA);
    expect((await client.post('/api/auth/refresh')).status).toBe(200);
    expect((await client.post('/api/auth/logout')).status).toBe(204);
    // An ineligible address is "accepted" too (no enumeration through the numbers either).
    expect((await stack.client().post(START, { email: CHARLES })).status).toBe(202);
    const wrong = await stack.client().post(VERIFY, { email: CHARLES, code: '000000' });
    expect(wrong.status).toBe(401);
    await stack.settle();
    const after = await scrape();
    const moved = (name: string, labels = '') =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(moved('portcullis_passwordless_starts_total', 'outcome="accepted"')).toBe(2);
    expect(moved('portcullis_passwordless_verifies_total', 'outcome="signed_in"')).toBe(1);
    expect(moved('portcullis_passwordless_verifies_total', 'outcome="invalid_code"')).toBe(1);
    expect(moved('portcullis_sessions_created_total')).toBe(1);
    expect(moved('portcullis_sessions_ended_total', 'reason="logout"')).toBe(1);
    expect(moved('portcullis_refreshes_total', 'outcome="ok"')).toBe(1);
    expect(
      moved(
        'portcullis_upstream_request_duration_seconds_count',
        'service="auth0",operation="verify",outcome="ok"',
      ),
    ).toBe(1);
    expect(
      moved(
        'portcullis_upstream_request_duration_seconds_count',
        'service="salesforce",operation="query",outcome="ok"',
      ),
    ).toBeGreaterThanOrEqual(2);
    // Default process metrics too.
    expect(after).toMatch(/^portcullis_process_cpu_seconds_total /m);
  });

  it("reports Salesforce's API usage from Sforce-Limit-Info; spent, every address is 503 alike and the gauge is ≥ 0.99", async () => {
    stack.salesforce.setLimits({ dailyApiRequests: 1000, used: 499 });
    expect((await stack.client().post(START, { email: ADA })).status).toBe(202);
    expect(sample(await scrape(), 'portcullis_salesforce_api_usage_ratio')).toBeCloseTo(0.5, 3);
    expect(stack.logs.some((l) => l.includes('SALESFORCE_API_USAGE_WARN_RATIO'))).toBe(false);
    stack.salesforce.setLimits({ dailyApiRequests: 1000, used: 1000 });
    for (const email of [ADA, CHARLES, 'nobody@example.com']) {
      const res = await stack.client().post(START, { email });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('upstream_unavailable');
    }
    const text = await scrape();
    expect(sample(text, 'portcullis_salesforce_api_usage_ratio')).toBeGreaterThanOrEqual(0.99);
    // One warning for operators, naming the setting, when usage crossed the threshold (0.8).
    expect(
      stack.logs.filter(
        (l) => l.includes('SALESFORCE_API_USAGE_WARN_RATIO') && l.includes('"level":"warn"'),
      ),
    ).toHaveLength(1);
    expect(
      sample(
        text,
        'portcullis_upstream_request_duration_seconds_count',
        'service="salesforce",operation="query",outcome="refused"',
      ),
    ).toBeGreaterThanOrEqual(3);
    stack.salesforce.setLimits({ dailyApiRequests: 15_000, used: 0 });
  });

  it('no email, IP, id or token in any label', async () => {
    const client = await signIn(stack, ADA);
    await client.get('/api/me');
    const text = await scrape();
    expect(text).not.toMatch(/@|example\.com/);
    expect(text).not.toMatch(/127\.0\.0\.1|::1/);
    expect(text).not.toMatch(/email\||eyJ/);
    expect(text).not.toContain(TOKEN);
    const labelValues = [...text.matchAll(/="([^"]*)"/g)].map((m) => m[1]!);
    for (const value of labelValues) expect(value).toMatch(/^[a-z0-9_.+:/ -]*$/i);
  });

  it('is @Public from the guard: the token is checked by the route, not by the session guard', async () => {
    // A Bearer that is not an Auth0 token would be 401 from the guard; here it is the metrics token.
    expect((await metrics(stack, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});

describe('GET /api/metrics without METRICS_TOKEN', () => {
  it('404 not_found, even with a bearer token', async () => {
    const stack = await startStack();
    try {
      const res = await metrics(stack, { authorization: `Bearer ${TOKEN}` });
      expect(res.status).toBe(404);
      expect(ProblemSchema.parse(res.body).code).toBe('not_found');
    } finally {
      await stack.stop();
    }
  });
});
