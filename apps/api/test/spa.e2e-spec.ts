import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startStack, type Stack } from './harness.js';

describe('the API serves the built SPA from the same origin', () => {
  let stack: Stack;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'portcullis-web-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><title>Portcullis</title><div id="root"></div>',
    );
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js.gz'), gzipSync('console.log(1)'));
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js.map'), '{"version":3}');
    stack = await startStack({ WEB_DIST_DIR: dir });
  });

  afterAll(async () => {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves index.html at / and for deep links (history fallback), revalidated', async () => {
    for (const p of ['/', '/login', '/account/settings?tab=1']) {
      const res = await stack.client().get(p);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toContain('<title>Portcullis</title>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('serves hashed assets as immutable', async () => {
    const res = await stack.client().get('/assets/index-abc123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('sends the precompressed file to clients that accept gzip', async () => {
    const res = await fetch(`${stack.url}/assets/index-abc123.js`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // fetch decodes gzip transparently: the text is the original.
    expect(await res.text()).toBe('console.log(1)');
    expect(gunzipSync(gzipSync('x')).toString()).toBe('x');
  });

  it('does not serve source maps', async () => {
    const res = await stack.client().get('/assets/index-abc123.js.map');
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('<title>Portcullis</title>');
    // Nor does a missing asset get index.html.
    expect((await stack.client().get('/assets/missing.js')).status).toBe(404);
  });

  it('keeps /api answers as problem+json, never the SPA', async () => {
    const res = await stack.client().get('/api/does-not-exist');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('does not fall back for unsafe methods', async () => {
    const res = await stack.client().post('/login', { a: 1 });
    expect(res.status).toBe(404);
  });
});
