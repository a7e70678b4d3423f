// Issue 12, code length and lifetime as the tenant's settings: OTP_LENGTH and OTP_TTL_SECONDS
// (Auth0's defaults 6 and 180) used by verify's validation, the start answer and the decoy
// codes, end to end against an Auth0 emulator configured the same (8 digits, 60 s).
import { ADA, UNKNOWN, auth0Calls, startStack, waitForCode, type Stack } from './harness.js';

const START = '/api/auth/passwordless/start';
const VERIFY = '/api/auth/passwordless/verify';

describe('OTP_LENGTH=8, OTP_TTL_SECONDS=60 end to end', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack(
      { OTP_LENGTH: '8', OTP_TTL_SECONDS: '60' },
      { codeLength: 8, codeTtlSeconds: 60 },
    );
  });

  afterAll(async () => {
    await stack.stop();
  });

  beforeEach(() => {
    stack.advance(0);
    stack.auth0.reset();
  });

  it('the start answer says 60 s, and Auth0 sends 8 digits that sign in', async () => {
    const client = stack.client();
    const start = await client.post(START, { email: ADA });
    expect(start.status).toBe(202);
    expect(start.body.expiresInSeconds).toBe(60);
    expect(start.body.codeLength).toBe(8);
    const code = await waitForCode(stack, ADA, 0);
    expect(code).toMatch(/^[0-9]{8}$/);
    expect((await client.post(VERIFY, { email: ADA, code })).status).toBe(200);
  });

  it("the served OpenAPI document describes this deployment's code length", async () => {
    const res = await stack.client().get('/api/openapi.json');
    const body = res.body as {
      paths: Record<string, { post: { requestBody: { content: Record<string, any> } } }>;
    };
    const schema = body.paths[VERIFY]!.post.requestBody.content['application/json'].schema;
    expect(schema.properties.code.pattern).toBe('^[0-9]{8}$');
  });

  it('a 6-digit code is 400 validation_failed, naming the length, without reaching Auth0', async () => {
    const client = stack.client();
    await client.post(START, { email: ADA });
    await waitForCode(stack, ADA, 0);
    const tokenCalls = auth0Calls(stack, '/oauth/token');
    const res = await client.post(VERIFY, { email: ADA, code: '123456' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.detail).toContain('code must be 8 digits');
    expect(auth0Calls(stack, '/oauth/token')).toBe(tokenCalls);
  });

  it('the code expires after 60 s on the clock, for an eligible and an unknown address alike', async () => {
    const client = stack.client();
    await client.post(START, { email: ADA });
    await client.post(START, { email: UNKNOWN });
    const code = await waitForCode(stack, ADA, 0);
    stack.advance(59_000);
    const wrongish = code === '00000000' ? '11111111' : '00000000';
    expect((await client.post(VERIFY, { email: ADA, code: wrongish })).body.code).toBe(
      'invalid_code',
    );
    expect((await client.post(VERIFY, { email: UNKNOWN, code: wrongish })).body.code).toBe(
      'invalid_code',
    );
    stack.advance(61_000);
    const expired = await client.post(VERIFY, { email: ADA, code });
    expect([expired.status, expired.body.code]).toEqual([401, 'code_expired']);
    const decoy = await client.post(VERIFY, { email: UNKNOWN, code });
    expect([decoy.status, decoy.body.code]).toEqual([401, 'code_expired']);
  });
});

describe('the defaults are Auth0’s: 6 digits, 180 s', () => {
  it('answers 180 s and refuses an 8-digit code with 400', async () => {
    const stack = await startStack();
    try {
      const client = stack.client();
      const start = await client.post(START, { email: UNKNOWN });
      expect(start.body.expiresInSeconds).toBe(180);
      expect(start.body.codeLength).toBe(6);
      const res = await client.post(VERIFY, { email: UNKNOWN, code: '12345678' });
      expect([res.status, res.body.code]).toEqual([400, 'validation_failed']);
      expect(res.body.detail).toContain('code must be six digits');
    } finally {
      await stack.stop();
    }
  });
});
