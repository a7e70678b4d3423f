#!/usr/bin/env node
// Runs a command with NODE_EXTRA_CA_CERTS pointing at the dev certificate, creating the
// certificate first. Node reads that variable only at process start, so whatever talks to
// the Auth0 emulator (tests, the API in embedded mode) is started through this.
//   usage: portcullis-dev-tls <command> [args...]
import { spawn } from 'node:child_process';
import { ensureDevCertificate } from './tls.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: portcullis-dev-tls <command> [args...]');
  process.exit(2);
}
const { certPath } = await ensureDevCertificate();
const child = spawn(command, args, {
  stdio: 'inherit',
  env: { ...process.env, NODE_EXTRA_CA_CERTS: certPath },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (err) => {
  console.error(`portcullis-dev-tls: cannot run ${command}: ${err.message}`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
