#!/usr/bin/env node
// `npm run dev`: the API rebuilt and restarted on change (tsc --watch + node --watch), with
// the embedded emulators when no Auth0/Salesforce settings are given, and Vite with HMR on
// http://localhost:5173 proxying /api to the API. Ctrl-C stops everything.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const withTls = path.join(root, 'packages', 'emulators', 'dist', 'with-dev-tls.js');
if (!existsSync(withTls)) {
  console.error('Build first: npm run build');
  process.exit(1);
}

const children = [];
function run(name, command, args, cwd = root) {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
  const prefix = `[${name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`${prefix}exited with ${code}; stopping`);
      stop(code ?? 1);
    }
  });
  children.push(child);
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('tsc', bin('tsc'), ['-p', 'apps/api/tsconfig.build.json', '--watch', '--preserveWatchOutput']);
// The same V8 heap settings as `npm start` (bench/README.md, "Memory").
const API_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=384'];
run('api', process.execPath, [
  withTls,
  process.execPath,
  ...API_FLAGS,
  '--watch',
  'apps/api/dist/main.js',
]);
run('web', bin('vite'), [], path.join(root, 'apps', 'web'));
