// Entry point. With no Auth0/Salesforce settings, starts the emulators in this process and
// points the API at them ("embedded mode"), and says so loudly.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createApp } from './app.js';
import { ConfigError, EMBEDDED, loadConfig, type AppConfig } from './config/config.js';

function banner(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '='.repeat(width + 4);
  console.warn([bar, ...lines.map((l) => `| ${l.padEnd(width)} |`), bar].join('\n'));
}

async function startEmbedded(config: AppConfig): Promise<Array<() => Promise<void>>> {
  if (!config.embedded.auth0 && !config.embedded.salesforce) return [];
  const { startAuth0Emulator, startSalesforceEmulator, devCertificatePaths } =
    await import('@portcullis/emulators');
  const stops: Array<() => Promise<void>> = [];
  if (config.embedded.auth0) {
    const { certPath } = devCertificatePaths();
    const extra = process.env.NODE_EXTRA_CA_CERTS;
    if (!extra || readFileSync(extra, 'utf8') !== readFileSync(certPath, 'utf8')) {
      throw new Error(
        `Embedded mode talks HTTPS to the Auth0 emulator: start the API with NODE_EXTRA_CA_CERTS=${certPath} ` +
          '(npm start and npm run dev do this for you).',
      );
    }
    const auth0 = await startAuth0Emulator({ port: EMBEDDED.auth0Port });
    stops.push(() => auth0.stop());
  }
  if (config.embedded.salesforce) {
    const salesforce = await startSalesforceEmulator({ port: EMBEDDED.salesforcePort });
    stops.push(() => salesforce.stop());
  }
  banner(
    [
      'EMBEDDED MODE: local emulators, not real services.',
      config.embedded.auth0
        ? `Auth0 emulator:      https://localhost:${EMBEDDED.auth0Port}`
        : `Auth0:               ${config.auth0.domain}`,
      config.embedded.salesforce
        ? `Salesforce emulator: http://localhost:${EMBEDDED.salesforcePort}`
        : `Salesforce:          ${config.salesforce.loginUrl}`,
      config.embedded.auth0 ? 'One-time codes are printed below, and listed at' : '',
      config.embedded.auth0
        ? `  https://localhost:${EMBEDDED.auth0Port}/__emulator/outbox?email=<address>`
        : '',
      config.session.ephemeralSecret
        ? 'SESSION_SECRETS not set: sessions end when this process stops.'
        : '',
    ].filter(Boolean),
  );
  return stops;
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const stops = await startEmbedded(config);
  if (!config.redis) {
    console.warn(
      'No REDIS_URL: sessions, limits and refresh locks live in this process. Run one instance ' +
        '(a second one would not see them); set REDIS_URL to run several.',
    );
  }
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  console.warn(`Portcullis API on http://localhost:${config.port}`);
  const shutdown = () => {
    void app
      .close()
      .then(() => Promise.allSettled(stops.map((s) => s())))
      .then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
