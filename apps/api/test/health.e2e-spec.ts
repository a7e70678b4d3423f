import { ADA } from './harness.js';
import { useStack } from './fixtures.js';

describe('health', () => {
  const stack = useStack();

  it('GET /api/health/live answers 200 without credentials, not cacheable', async () => {
    const res = await stack.client().get('/api/health/live');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('GET /api/health/ready checks Auth0 JWKS and Salesforce', async () => {
    const res = await stack.client().get('/api/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.checks.auth0.status).toBe('up');
    expect(res.body.checks.salesforce.status).toBe('up');
    void ADA;
  });

  it('unknown routes are problem+json 404s', async () => {
    const res = await stack.client().get('/api/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.body.code).toBe('not_found');
  });
});
