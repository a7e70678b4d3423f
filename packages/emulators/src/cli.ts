#!/usr/bin/env node
// `npm run emulators`: both emulators on their default ports, until Ctrl-C.
//   options: --auth0-port N  --salesforce-port N  --seed path/to/seed.json
import { parseArgs } from 'node:util';
import { startAuth0Emulator } from './auth0/emulator.js';
import { startSalesforceEmulator } from './salesforce/emulator.js';
import { loadSeedFile } from './salesforce/store.js';
import { devCertificatePaths } from './tls.js';

const { values } = parseArgs({
  options: {
    'auth0-port': { type: 'string', default: '4010' },
    'salesforce-port': { type: 'string', default: '4020' },
    seed: { type: 'string' },
  },
});

function port(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`--${name} must be a port number, got ${raw}`);
    process.exit(2);
  }
  return n;
}

try {
  const auth0 = await startAuth0Emulator({ port: port('auth0-port', values['auth0-port']) });
  const salesforce = await startSalesforceEmulator({
    port: port('salesforce-port', values['salesforce-port']),
    ...(values.seed ? { seed: loadSeedFile(values.seed) } : {}),
  });
  const { certPath } = devCertificatePaths();
  console.log(`
Auth0 emulator       ${auth0.url}   (AUTH0_DOMAIN=${auth0.domain})
Salesforce emulator  ${salesforce.url}
TLS certificate      ${certPath}
                     start clients with NODE_EXTRA_CA_CERTS=${certPath}

One-time codes are printed here as "[auth0-emulator] code for <email>: <code>", and listed at
  ${auth0.url}/__emulator/outbox?email=ada.lovelace@example.com
Client credentials (a service calling the API): portcullis-service / portcullis-service-secret,
  scope greeting:read (the API admits it with API_SERVICE_CLIENTS=portcullis-service).
Seeded contacts: ada.lovelace@example.com and grace.hopper@example.com may sign in;
charles.babbage@example.com is known but not eligible; any other address is unknown.
Ctrl-C stops both.`);

  const stop = () => {
    void Promise.allSettled([auth0.stop(), salesforce.stop()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  const code = (err as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    console.error(
      `A port is already in use (${(err as Error).message}). Is another copy running? Use --auth0-port/--salesforce-port.`,
    );
  } else {
    console.error(err);
  }
  process.exit(1);
}
