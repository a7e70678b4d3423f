// Issue 12, delivery: the code is sent after start's 202, so a failed send is invisible to the
// person. A transient Auth0 failure (5xx, 429, network) is retried once after a short wait; a
// send that still fails is counted, audited and logged for operators; Auth0 refusing the send
// is classified as a refusal, not an outage, and not retried. The person's way out is Resend
// code, which works. Through the real SDK against the Auth0 emulator's faults.
import { ProblemSchema } from '@portcullis/shared';
import { ADA, CHARLES, GRACE, UNKNOWN, startStack, waitForCode, type Stack } from './harness.js';

const TOKEN = 'metrics-token-for-tests-0123456789';
const START = '/api/auth/passwordless/start';
const VERIFY = '/api/auth/passwordless/verify';
const SEND = '/passwordless/start';

describe('code delivery: one retry, then counted; Resend code works', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ METRICS_TOKEN: TOKEN });
  });

  afterAll(async () => {
    await stack.stop();
  });

  beforeEach(() => {
    stack.auth0.clearFaults();
    stack.auth0.reset();
    stack.logs.length = 0;
  });

  /** One sample of GET /api/metrics (0 when absent). */
  async function metric(line: string): Promise<number> {
    const res = await fetch(`${stack.url}/api/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const found = (await res.text()).split('\n').find((l) => l.startsWith(`${line} `));
    return found ? Number(found.slice(line.length + 1)) : 0;
  }

  const sends = () => stack.auth0.requests().filter((r) => r.path === SEND).length;
  const audited = (event: string) =>
    stack.logs.filter((l) => l.includes(`"event":"${event}"`) && l.includes('"audit":true'));

  it('one failed send (503): retried after a short wait and delivered; the code signs in', async () => {
    const sentBefore = await metric('portcullis_code_sends_total{outcome="sent"}');
    const retriesBefore = await metric('portcullis_code_send_retries_total');
    stack.auth0.setFaults({ status: 503, count: 1, paths: [SEND] });
    const client = stack.client();
    const started = Date.now();
    expect((await client.post(START, { email: ADA })).status).toBe(202);
    const code = await waitForCode(stack, ADA, 0);
    // The retry waited (≈ 1.5 s) rather than hammering an Auth0 that just failed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(sends()).toBe(2);
    expect((await client.post(VERIFY, { email: ADA, code })).status).toBe(200);
    expect(await metric('portcullis_code_sends_total{outcome="sent"}')).toBe(sentBefore + 1);
    expect(await metric('portcullis_code_send_retries_total')).toBe(retriesBefore + 1);
    expect(audited('code_send_failed')).toHaveLength(0);
    expect(audited('code_sent')[0]).toContain('"reason":"retried"');
  });

  it('two failed sends: no code, counted in /api/metrics, audited and logged; then Resend code delivers one that works', async () => {
    const failedBefore = await metric(
      'portcullis_code_sends_total{outcome="upstream_unavailable"}',
    );
    stack.auth0.setFaults({ status: 503, count: 2, paths: [SEND] });
    const client = stack.client();
    const first = await client.post(START, { email: GRACE });
    expect(first.status).toBe(202);
    await stack.settle();
    expect(sends()).toBe(2);
    expect(stack.auth0.outbox(GRACE)).toHaveLength(0);
    expect(await metric('portcullis_code_sends_total{outcome="upstream_unavailable"}')).toBe(
      failedBefore + 1,
    );
    expect(audited('code_send_failed')[0]).toContain('"reason":"upstream_unavailable"');
    const warning = stack.logs.find((l) => l.includes('can use Resend code'));
    expect(warning).toContain('"level":"warn"');
    expect(warning).toContain('"retried":true');
    // No address in the operator's line, only in the audit trail's keyed hash.
    expect(stack.logs.join('\n')).not.toContain(GRACE);
    // A guess meanwhile answers as for any address that was sent no code.
    expect((await client.post(VERIFY, { email: GRACE, code: '000000' })).body.code).toBe(
      'invalid_code',
    );

    // Resend code (the same start again): Auth0 is back, the new code arrives and works.
    const resend = await client.post(START, { email: GRACE });
    expect(resend.status).toBe(202);
    expect(resend.body).toEqual(first.body);
    const code = await waitForCode(stack, GRACE, 0);
    const signedIn = await client.post(VERIFY, { email: GRACE, code });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.email).toBe(GRACE);
  });

  it('the start answer stays identical for every address while sends fail', async () => {
    stack.auth0.setFaults({ status: 503, paths: [SEND] });
    const answers = [];
    for (const email of [ADA, CHARLES, UNKNOWN]) {
      const res = await stack.client().post(START, { email });
      answers.push({ status: res.status, body: res.body });
    }
    await stack.settle();
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(202);
  });

  it('Auth0 refusing the send (a 4xx refusal) is not retried and is counted as access_denied, not an outage', async () => {
    const refusedBefore = await metric('portcullis_code_sends_total{outcome="access_denied"}');
    const unavailableBefore = await metric(
      'portcullis_code_sends_total{outcome="upstream_unavailable"}',
    );
    stack.auth0.setFaults({
      status: 400,
      error: 'bad.email',
      description: 'error in email - email format validation failed',
      paths: [SEND],
    });
    const res = await stack.client().post(START, { email: ADA });
    expect(res.status).toBe(202);
    await stack.settle();
    expect(sends()).toBe(1);
    expect(await metric('portcullis_code_sends_total{outcome="access_denied"}')).toBe(
      refusedBefore + 1,
    );
    expect(await metric('portcullis_code_sends_total{outcome="upstream_unavailable"}')).toBe(
      unavailableBefore,
    );
    expect(audited('code_send_failed')[0]).toContain('"reason":"access_denied"');
    const line = stack.logs.find((l) => l.includes('auth0 refused to send a code'));
    expect(line).toContain('"error":"bad.email"');
  });

  it('a network failure on both tries (dropped connections) is counted as upstream_unavailable; start still 202', async () => {
    const before = await metric('portcullis_code_sends_total{outcome="upstream_unavailable"}');
    stack.auth0.setFaults({ drop: true, count: 2, paths: [SEND] });
    const res = await stack.client().post(START, { email: ADA });
    expect(res.status).toBe(202);
    expect(ProblemSchema.safeParse(res.body).success).toBe(false);
    await stack.settle();
    expect(sends()).toBe(2);
    expect(await metric('portcullis_code_sends_total{outcome="upstream_unavailable"}')).toBe(
      before + 1,
    );
  });
});
