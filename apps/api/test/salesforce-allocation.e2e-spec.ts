// Issue 12, Salesforce's daily API allocation (shared with every integration of the org):
// readiness shows the usage Salesforce last reported (Sforce-Limit-Info), spent it is a 503
// for every address alike, and "no" answers are cached longer than "yes" ones so repeated
// unknown addresses do not spend it. Queries are counted from the emulator's own request log
// (GET /__emulator/requests), over HTTP.
import { HealthResponseSchema } from '@portcullis/shared';
import { ADA, CHARLES, UNKNOWN, startStack, type Stack } from './harness.js';

const START = '/api/auth/passwordless/start';
const TOKEN = 'operator-token-for-tests-0123456789';
const OPERATOR = { authorization: `Bearer ${TOKEN}` };

/** Queries Salesforce has answered so far, from its request log over HTTP. */
async function queries(stack: Stack): Promise<number> {
  const res = await fetch(`${stack.salesforce.url}/__emulator/requests`);
  const { requests } = (await res.json()) as { requests: Array<{ path: string }> };
  return requests.filter((r) => r.path.endsWith('/query')).length;
}

describe('Salesforce usage in readiness', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ ELIGIBILITY_CACHE_SECONDS: '0', METRICS_TOKEN: TOKEN });
  });

  afterAll(async () => {
    await stack.stop();
  });

  /** Readiness past its 5 s cache, as the operator (METRICS_TOKEN) unless `headers` say else. */
  let offset = 0;
  async function ready(headers: Record<string, string> = OPERATOR) {
    offset += 10_000;
    stack.setApiClockOffset(offset);
    const res = await stack.client().get('/api/health/ready', headers);
    return { status: res.status, body: HealthResponseSchema.parse(res.body) };
  }

  it('shows the last reported used/max/ratio under salesforce, with no detail below the threshold', async () => {
    stack.salesforce.setLimits({ dailyApiRequests: 1000, used: 499 });
    expect((await stack.client().post(START, { email: ADA })).status).toBe(202);
    const { status, body } = await ready();
    expect(status).toBe(200);
    const usage = body.checks.salesforce!.apiUsage!;
    expect(usage.max).toBe(1000);
    expect(usage.used).toBeGreaterThanOrEqual(500);
    expect(usage.ratio).toBeCloseTo(usage.used / 1000, 4);
    expect(Date.parse(usage.reportedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(body.checks.salesforce!.detail).toBeUndefined();
  });

  it('past SALESFORCE_API_USAGE_WARN_RATIO: readiness says so (still ready) and one warning is logged', async () => {
    stack.salesforce.setLimits({ dailyApiRequests: 1000, used: 900 });
    expect((await stack.client().post(START, { email: ADA })).status).toBe(202);
    const { status, body } = await ready();
    expect(status).toBe(200);
    expect(body.checks.salesforce!.detail).toMatch(/SALESFORCE_API_USAGE_WARN_RATIO/);
    expect(
      stack.logs.filter(
        (l) => l.includes('SALESFORCE_API_USAGE_WARN_RATIO') && l.includes('"level":"warn"'),
      ),
    ).toHaveLength(1);
  });

  it('spent (403 REQUEST_LIMIT_EXCEEDED): start is 503 for every address alike; readiness says the allocation is spent', async () => {
    stack.salesforce.setLimits({ dailyApiRequests: 1000, used: 1000 });
    const answers = [];
    for (const email of [ADA, CHARLES, UNKNOWN]) {
      const res = await stack.client().post(START, { email });
      answers.push([res.status, res.body.code, res.headers.get('retry-after')]);
    }
    expect(answers).toEqual([
      [503, 'upstream_unavailable', '5'],
      [503, 'upstream_unavailable', '5'],
      [503, 'upstream_unavailable', '5'],
    ]);
    const { body } = await ready();
    expect(body.checks.salesforce!.apiUsage!.ratio).toBeGreaterThanOrEqual(0.99);
    expect(body.checks.salesforce!.detail).toMatch(/allocation is spent/);
    stack.salesforce.setLimits({ dailyApiRequests: 15_000, used: 0 });
  });

  it('keeps the usage (numbers and sentence) from callers without the operator token', async () => {
    stack.salesforce.setLimits({ dailyApiRequests: 1000, used: 950 });
    expect((await stack.client().post(START, { email: ADA })).status).toBe(202);
    const anonymous: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong' }];
    for (const headers of anonymous) {
      const { status, body } = await ready(headers);
      expect(status).toBe(200);
      expect(body.checks.salesforce).toEqual({ status: 'up', latencyMs: expect.any(Number) });
    }
    const { body } = await ready();
    expect(body.checks.salesforce!.apiUsage!.max).toBe(1000);
    expect(body.checks.salesforce!.detail).toMatch(/SALESFORCE_API_USAGE_WARN_RATIO/);
    stack.salesforce.setLimits({ dailyApiRequests: 15_000, used: 0 });
  });
});

describe('"no" answers cached longer than "yes" ones (ELIGIBILITY_UNKNOWN_CACHE_SECONDS)', () => {
  let stack: Stack;

  beforeAll(async () => {
    // The defaults: a "yes" 60 s, a "no" an hour.
    stack = await startStack();
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('an unknown address costs one query an hour; an eligible one is re-asked after 60 s, in the background', async () => {
    const base = await queries(stack);
    const start = async (email: string) => {
      const res = await stack.client().post(START, { email });
      expect(res.status).toBe(202);
      await stack.settle();
    };
    await start(UNKNOWN);
    await start(ADA);
    expect(await queries(stack)).toBe(base + 2);
    // Ten minutes later: the unknown address is still known to be unknown; ada's "yes" is
    // re-asked (after the answer, from the cache like the unknown one's).
    stack.advance(10 * 60_000);
    await start(UNKNOWN);
    await start(UNKNOWN);
    expect(await queries(stack)).toBe(base + 2);
    await start(ADA);
    expect(await queries(stack)).toBe(base + 3);
    // Past the hour both are asked again.
    stack.advance(3601_000);
    await start(UNKNOWN);
    await start(ADA);
    expect(await queries(stack)).toBe(base + 5);
  });

  it('a flood of distinct unknown addresses costs one query each, once', async () => {
    const base = await queries(stack);
    const emails = Array.from({ length: 20 }, (_, i) => `flood${i}@example.com`);
    for (const email of emails) await stack.client().post(START, { email });
    for (const email of emails) await stack.client().post(START, { email });
    await stack.settle();
    expect(await queries(stack)).toBe(base + emails.length);
  });
});
