import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../src/app';

describe('GET /api/health/live', () => {
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    app = await createApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers 200 over real HTTP, not cacheable', async () => {
    const res = await fetch(`${base.replace('[::1]', 'localhost')}/api/health/live`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('has no route outside /api', async () => {
    const res = await fetch(`${base}/health/live`);
    expect(res.status).toBe(404);
  });
});
