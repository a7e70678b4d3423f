import { ProblemSchema } from '@portcullis/shared';
import { ADA } from './harness.js';
import { useStack } from './fixtures.js';

describe('bad input gets problem+json, never a 500', () => {
  const stack = useStack();

  const START = '/api/auth/passwordless/start';
  const VERIFY = '/api/auth/passwordless/verify';

  function expectProblem(
    res: { status: number; headers: Headers; body: unknown },
    status: number,
    code: string,
  ) {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = ProblemSchema.parse(res.body);
    expect(problem.code).toBe(code);
    expect(problem.status).toBe(status);
    expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.ts/);
  }

  it.each([
    ['an object email (jsforce would make it a SOQL operator)', { email: { $ne: null } }],
    ['an array email', { email: [ADA] }],
    ['a 10 kB email', { email: `${'a'.repeat(10_000)}@example.com` }],
    ['a backslash', { email: 'ada\\@example.com' }],
    ['a control character', { email: 'ada\u0007@example.com' }],
    [
      'a lone surrogate (not encodable in the Salesforce query URL)',
      { email: 'a\ud800b@example.com' },
    ],
    ['no email', {}],
    ['an extra field', { email: ADA, admin: true }],
    ['a number', { email: 42 }],
  ])('start refuses %s with 400 validation_failed', async (_what, body) => {
    const res = await stack.client().post(START, body);
    expectProblem(res, 400, 'validation_failed');
    expect(res.body.errors?.length).toBeGreaterThan(0);
  });

  it.each([
    ['a missing code', { email: ADA }],
    ['a short code', { email: ADA, code: '123' }],
    ['a numeric code', { email: ADA, code: 123456 }],
    ['a code with letters', { email: ADA, code: '12a456' }],
  ])('verify refuses %s with 400 validation_failed', async (_what, body) => {
    expectProblem(await stack.client().post(VERIFY, body), 400, 'validation_failed');
  });

  it('refuses a body that is not JSON with 415', async () => {
    const res = await stack.client().request('POST', START, {
      body: 'email=ada.lovelace@example.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(res, 415, 'unsupported_media_type');
    const text = await stack
      .client()
      .request('POST', START, { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expectProblem(text, 415, 'unsupported_media_type');
  });

  it('refuses malformed JSON, an empty JSON body and a JSON array with 400', async () => {
    const client = stack.client();
    for (const body of ['{"email": ', '']) {
      const headers = { 'content-type': 'application/json' };
      expectProblem(
        await client.request('POST', START, { body, headers }),
        400,
        'validation_failed',
      );
    }
    expectProblem(await client.post(START, [ADA]), 400, 'validation_failed');
    expectProblem(await client.request('POST', START), 400, 'validation_failed');
  });

  it('refuses a body over the limit with 413', async () => {
    const res = await stack.client().post(START, { email: ADA, pad: 'x'.repeat(64 * 1024) });
    expectProblem(res, 413, 'payload_too_large');
  });

  it('refuses cross-site unsafe requests with 403 csrf_rejected, before anything else runs', async () => {
    await stack.settle();
    stack.auth0.reset();
    const client = stack.client();
    expectProblem(
      await client.post(START, { email: ADA }, { 'sec-fetch-site': 'cross-site' }),
      403,
      'csrf_rejected',
    );
    expectProblem(
      await client.post(START, { email: ADA }, { 'sec-fetch-site': 'same-site' }),
      403,
      'csrf_rejected',
    );
    expectProblem(
      await client.post(START, { email: ADA }, { origin: 'https://evil.example' }),
      403,
      'csrf_rejected',
    );
    expectProblem(
      await client.post('/api/auth/logout', undefined, { origin: 'null' }),
      403,
      'csrf_rejected',
    );
    await stack.settle();
    expect(stack.auth0.outbox(ADA)).toHaveLength(0);
  });

  it('lets same-origin browser requests and header-less clients through', async () => {
    const client = stack.client();
    const own = new URL(stack.url);
    const sameOrigin = await client.post(
      START,
      { email: 'nobody@example.com' },
      { 'sec-fetch-site': 'same-origin', origin: `http://${own.host}` },
    );
    expect(sameOrigin.status).toBe(202);
    expect((await client.post(START, { email: 'nobody@example.com' })).status).toBe(202);
    // Safe methods are never refused.
    expect((await client.get('/api/health/live', { 'sec-fetch-site': 'cross-site' })).status).toBe(
      200,
    );
  });

  it('answers unknown methods and routes with problem+json', async () => {
    expectProblem(await stack.client().request('DELETE', '/api/me'), 404, 'not_found');
  });
});
