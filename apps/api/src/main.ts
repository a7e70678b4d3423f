// Entry point. With no Auth0/Salesforce settings, starts the emulators in this process and
// points the API at them ("embedded mode"), and says so loudly: the banner comes last, after
// the startup log, so it is what a person sees.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { createApp } from './app.js';
import { ConfigError, EMBEDDED, loadConfig, type AppConfig } from './config/config.js';

function banner(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length));
  const bar = '='.repeat(width + 4);
  console.warn([bar, ...lines.map((l) => `| ${l.padEnd(width)} |`), bar].join('\n'));
}

function startBanner(config: AppConfig): string[] {
  const api = `http://localhost:${config.port}`;
  const { auth0, salesforce } = config.embedded;
  return [
    `Portcullis API on ${api}`,
    ...(auth0 || salesforce ? ['EMBEDDED MODE: local emulators, not real services.'] : []),
    auth0
      ? `Auth0 emulator:      https://localhost:${EMBEDDED.auth0Port}`
      : `Auth0:               ${config.auth0.domain}`,
    salesforce
      ? `Salesforce emulator: http://localhost:${EMBEDDED.salesforcePort}`
      : `Salesforce:          ${config.salesforce.loginUrl}`,
    ...(auth0
      ? ['One-time codes: printed here as they are sent, and at', `  ${api}/api/dev/mailbox`]
      : []),
    ...(config.session.ephemeralSecret
      ? ['SESSION_SECRETS not set: sessions end when this process stops.']
      : []),
    ...(config.redis
      ? []
      : ['No REDIS_URL: sessions and limits live in this process; run one instance.']),
  ];
}

/** EADDRINUSE in words: most likely another copy is running, and how to run a second one. */
function portInUse(port: number, config: AppConfig): string {
  const emulator = port === EMBEDDED.auth0Port || port === EMBEDDED.salesforcePort;
  return (
    `Port ${port} is already in use: another copy of Portcullis is probably running (stop it ` +
    'with Ctrl-C in its terminal). ' +
    (emulator
      ? `A second copy needs its own ports: PORT=${config.port + 1} for the API and, as the ` +
        `embedded emulators always take ${EMBEDDED.auth0Port} and ${EMBEDDED.salesforcePort}, ` +
        'emulators of its own (npm run emulators -- --auth0-port 4011 --salesforce-port 4021) ' +
        'named in the AUTH0_* and SALESFORCE_* settings (README, "The emulators").'
      : `To run another one beside it, pick another port: PORT=${config.port + 1} npm start.`)
  );
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
  return stops;
}

async function main(config: AppConfig): Promise<void> {
  const stops = await startEmbedded(config);
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  // After the log lines of the start, which may still be on their way to stdout.
  setTimeout(() => banner(startBanner(config)), 100);
  const shutdown = () => {
    void app
      .close()
      .then(() => Promise.allSettled(stops.map((s) => s())))
      .then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

let config: AppConfig;
try {
  config = loadConfig(process.env);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}
main(config).catch((err: unknown) => {
  const { code, port } = (err ?? {}) as { code?: unknown; port?: unknown };
  if (code === 'EADDRINUSE' && typeof port === 'number') console.error(portInUse(port, config));
  else console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
