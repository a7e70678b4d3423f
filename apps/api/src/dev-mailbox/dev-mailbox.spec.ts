// The mailbox page through the whole app (guard, filter, routing) against the real Auth0
// emulator over HTTPS: present in embedded mode only, public, escaped, never cached.
import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Auth0Emulator } from '@portcullis/emulators';
import { startEmulators, type EmulatorStack } from '@portcullis/emulators/testing';
import { createApp } from '../app.js';
import { loadConfig, type AppConfig } from '../config/config.js';
import { DevMailboxController } from './dev-mailbox.controller.js';
import { escapeHtml } from './dev-mailbox.page.js';

const SECRET = 'dev-mailbox-spec-session-secret-0123456789abcdef';

describe(DevMailboxController.name, () => {
  let stack: EmulatorStack;
  let emulator: Auth0Emulator;
  const apps: NestFastifyApplication[] = [];

  async function appFor(config: AppConfig) {
    const app = await createApp(config, { logSink: () => undefined });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    apps.push(app);
    return app.getHttpAdapter().getInstance();
  }

  /** Embedded mode, with the Auth0 emulator of this test instead of the one on :4010. */
  function embedded(): AppConfig {
    const config = loadConfig({ NODE_ENV: 'test', SESSION_SECRET: SECRET });
    return { ...config, auth0: { ...config.auth0, domain: emulator.domain } };
  }

  async function sendCode(email: string) {
    const res = await fetch(`${emulator.url}/passwordless/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: emulator.clientId,
        client_secret: emulator.clientSecret,
        connection: 'email',
        send: 'code',
        email,
      }),
    });
    expect(res.status).toBe(200);
    return emulator.outbox(email)[0]!.code;
  }

  beforeAll(async () => {
    stack = await startEmulators();
    emulator = stack.auth0;
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await stack.stop();
  });

  it('lists the codes sent to an address, without a session, never cached', async () => {
    const http = await appFor(embedded());
    const code = await sendCode('ada.lovelace@example.com');
    const res = await http.inject({
      method: 'GET',
      url: '/api/dev/mailbox?email=Ada.Lovelace@Example.com',
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).toContain(`<strong>${code}</strong>`);
    expect(res.body).not.toContain('<script');
  });

  it('has landmarks and one <style>, which its CSP allows by hash and nothing else', async () => {
    const http = await appFor(embedded());
    const res = await http.inject({ method: 'GET', url: '/api/dev/mailbox' });
    expect(res.body).toMatch(
      /<header>[\s\S]*<\/header>\s*<main>[\s\S]*<h1>Local mailbox<\/h1>[\s\S]*<\/main>/,
    );
    const styles = [...res.body.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]!);
    expect(styles).toHaveLength(1);
    const hash = createHash('sha256').update(styles[0]!).digest('base64');
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(csp).not.toContain('unsafe-inline');
    expect(res.body).not.toContain('style="');
  });

  it('says when no code was sent, and answers HEAD (how the SPA detects the page)', async () => {
    const http = await appFor(embedded());
    const res = await http.inject({
      method: 'GET',
      url: '/api/dev/mailbox?email=nobody@example.com',
    });
    expect(res.body).toContain('No code was sent to nobody@example.com.');
    const head = await http.inject({ method: 'HEAD', url: '/api/dev/mailbox' });
    expect(head.statusCode).toBe(200);
  });

  it('escapes what it shows back and refuses what is not an address', async () => {
    const http = await appFor(embedded());
    const hostile = '"><script>alert(1)</script>';
    const res = await http.inject({
      method: 'GET',
      url: `/api/dev/mailbox?email=${encodeURIComponent(hostile)}`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('That is not an email address.');
    expect(res.body).toContain(escapeHtml(hostile));
    expect(res.body).not.toContain('<script>');
  });

  it('does not exist when the API talks to a real Auth0 tenant', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      SESSION_SECRET: SECRET,
      ...stack.env,
    });
    expect(config.embedded.auth0).toBe(false);
    const http = await appFor(config);
    const res = await http.inject({ method: 'GET', url: '/api/dev/mailbox?email=a@example.com' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
