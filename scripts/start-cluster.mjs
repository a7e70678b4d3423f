#!/usr/bin/env node
// `npm run start:cluster`: the production-like shape on one machine. Builds, then starts, all
// on loopback: a redis-server, the emulators (in this process, shared), two API instances
// (3001, 3002) sharing sessions, refresh locks and revocation through Redis, and nginx on
// http://localhost:3000 round-robining between them. (The limit counters are still kept in each
// process: with two instances, each counts on its own.) nginx serves nothing itself: the API
// serves the SPA and /api. Ctrl-C stops everything; if anything dies while starting, all
// stop and this exits non-zero with that child's output.
//
//   env: CLUSTER_REDIS_AOF=1        Redis appends to .local/redis/ (appendfsync everysec)
//        CLUSTER_REDIS_PORT=6390    Redis port (default 6390, or a free one if that is taken)
//        SESSION_SECRETS=…          keep a secret across runs (default: a new one per run)
//        NGINX=/path/to/nginx       the nginx binary (default: found on PATH or in /usr/sbin)
//        LOG_LEVEL, KEY_PREFIX, …   passed to both instances
//   args: --skip-build
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxConfig, nginxInfo } from './cluster/nginx.mjs';
import { clusterBanner } from './cluster/banner.mjs';
import { findBinary, follow, httpOk, portFree } from './cluster/probes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const local = (...p) => path.join(root, '.local', ...p);
const clusterDir = local('cluster');
const accessLog = path.join(clusterDir, 'access.log');
const emulatorsDist = path.join(root, 'packages', 'emulators', 'dist', 'testing.js');
const apiMain = path.join(root, 'apps', 'api', 'dist', 'main.js');

const PROXY_PORT = 3000;
const API_PORTS = [3001, 3002];
const AUTH0_PORT = 4010; // the emulators' usual ports (npm run emulators)
const SALESFORCE_PORT = 4020;
const KEY_PREFIX = process.env.KEY_PREFIX || 'portcullis:';
const AOF = process.env.CLUSTER_REDIS_AOF === '1';
const STARTUP_TIMEOUT_MS = 60_000;
// The same V8 heap settings as `npm start` (bench/README.md, "Memory").
const API_FLAGS = ['--max-semi-space-size=4', '--max-old-space-size=384'];

process.stdout.on('error', () => {}); // a closed pipe (`| head`) must not crash the shutdown

function fail(message) {
  console.error(`\nstart:cluster: ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------- preflight (before the build)

const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
const nginx = findBinary('nginx', process.env.NGINX);
if (!nginx) {
  fail(
    'nginx is not installed, and the cluster needs it as the reverse proxy on ' +
      `http://localhost:${PROXY_PORT}.\n  Install it (Debian/Ubuntu):  ${sudo}apt-get install nginx\n` +
      '  (or set NGINX=/path/to/nginx). Nothing else is needed: its config is generated under ' +
      '.local/cluster/ and it runs as an ordinary process, not as a service.',
  );
}
const redisServer = findBinary('redis-server');
if (!redisServer) {
  fail(
    `redis-server is not installed.\n  Install it (Debian/Ubuntu):  ${sudo}apt-get install redis-server`,
  );
}

const hasIpv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((a) => a?.internal && a.family === 'IPv6' && a.address === '::1');

async function checkPorts() {
  const wanted = [
    [PROXY_PORT, 'nginx'],
    ...API_PORTS.map((p, i) => [p, `API instance ${i + 1}`]),
    [AUTH0_PORT, 'Auth0 emulator'],
    [SALESFORCE_PORT, 'Salesforce emulator'],
  ];
  const busy = [];
  for (const [port, what] of wanted) {
    const free =
      (await portFree(port)) &&
      (port !== PROXY_PORT || !hasIpv6Loopback || (await portFree(port, '::1')));
    if (!free) busy.push(`  ${port} (${what})`);
  }
  if (busy.length > 0) {
    fail(
      `these ports are in use on loopback:\n${busy.join('\n')}\n` +
        '  Stop whatever holds them (ss -ltnp shows it: another npm start, npm run dev, or a ' +
        'previous cluster) and run this again.',
    );
  }
}

async function redisPort() {
  if (process.env.CLUSTER_REDIS_PORT) {
    const port = Number(process.env.CLUSTER_REDIS_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      fail(`CLUSTER_REDIS_PORT must be a port number, got ${process.env.CLUSTER_REDIS_PORT}`);
    if (!(await portFree(port))) fail(`CLUSTER_REDIS_PORT ${port} is in use.`);
    return port;
  }
  return (await portFree(6390)) ? 6390 : freePort();
}

await checkPorts();

if (!process.argv.includes('--skip-build')) {
  const turbo = path.join(root, 'node_modules', '.bin', 'turbo');
  const build = spawnSync(turbo, ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  await checkPorts(); // the build took a while: check again
}
for (const file of [emulatorsDist, apiMain]) {
  if (!existsSync(file)) fail(`${path.relative(root, file)} is missing: run npm run build`);
}

// ---------------------------------------------------------------- children

const children = [];
/** Both emulators, once started (in this process: see "start" below). */
let emulators;
let phase = 'starting'; // 'starting' | 'running' | 'stopping'

function run(name, command, args, { env = process.env, critical = true } = {}) {
  const child = spawn(command, args, {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: Ctrl-C reaches only this script, which stops the children in
    // order (nginx, then the instances, then Redis and the emulators).
    detached: true,
  });
  const entry = { name, child, critical, tail: [], exited: false, code: null, signal: null };
  const prefix = `[${name}] `;
  entry.emit = (line) => {
    entry.tail.push(line);
    if (entry.tail.length > 60) entry.tail.shift();
    process.stdout.write(prefix + line + '\n');
  };
  const emit = entry.emit;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) emit(line);
    });
    stream.on('end', () => {
      if (buffered) emit(buffered);
      buffered = '';
    });
  }
  entry.closed = new Promise((resolve) => child.on('close', resolve));
  child.on('error', (err) => {
    entry.tail.push(`cannot run ${command}: ${err.message}`);
    onExit(entry);
  });
  child.on('exit', (code, signal) => {
    entry.code = code;
    entry.signal = signal;
    onExit(entry);
  });
  children.push(entry);
  return entry;
}

function onExit(entry) {
  if (entry.exited) return;
  entry.exited = true;
  if (phase === 'stopping') return;
  const how = entry.signal ? `was killed by ${entry.signal}` : `exited with ${entry.code}`;
  if (phase === 'starting') {
    void startupFailed(`${entry.name} ${how} while starting`, entry);
    return;
  }
  const apis = children.filter((c) => c.name.startsWith('api-'));
  if (!entry.critical && apis.some((c) => !c.exited)) {
    console.error(
      `[${entry.name}] ${how}. nginx sends every request to the other instance; ` +
        'nobody is signed out (the sessions are in Redis). Restart the cluster to get it back.',
    );
    return;
  }
  console.error(`[${entry.name}] ${how}; stopping everything`);
  void stop(1);
}

async function startupFailed(reason, entry) {
  if (phase === 'stopping') return;
  if (entry?.exited) await entry.closed; // its last lines
  console.error(`\nstart:cluster: ${reason}; stopping everything.`);
  if (entry) {
    console.error(`---- last output of [${entry.name}] ----`);
    for (const line of entry.tail) console.error(line);
    console.error('----');
  }
  await stop(1);
}

function terminate(entry, signal = 'SIGTERM') {
  return new Promise((resolve) => {
    if (entry.exited || entry.child.exitCode !== null || entry.child.pid === undefined)
      return resolve();
    const timer = setTimeout(() => {
      try {
        process.kill(-entry.child.pid, 'SIGKILL'); // it and anything it started
      } catch {
        // already gone
      }
    }, 8000);
    entry.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      entry.child.kill(signal);
    } catch {
      resolve();
    }
  });
}

let stopped;
function stop(code = 0) {
  stopped ??= (async () => {
    phase = 'stopping';
    // The proxy first (no new requests), then the instances, then what they depend on.
    const stages = [['nginx'], API_PORTS.map((p) => `api-${p}`), ['redis']];
    for (const names of stages) {
      await Promise.all(children.filter((c) => names.includes(c.name)).map((c) => terminate(c)));
    }
    await emulators?.stop().catch(() => undefined);
    process.exit(code);
  })();
  return stopped;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (phase === 'stopping') return;
    console.log(
      `\nstart:cluster: ${signal}: stopping nginx, the instances, Redis and the emulators`,
    );
    void stop(0);
  });
}

// ---------------------------------------------------------------- readiness

/** Polls `check` until it holds; fails the startup if `entry` exits first or time runs out. */
async function ready(entry, what, check) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (entry.exited) await new Promise(() => {}); // onExit is stopping everything
    if (await check()) return;
    if (Date.now() > deadline) {
      await startupFailed(`${what} was not ready within ${STARTUP_TIMEOUT_MS / 1000} s`, entry);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------- start

// Built by now: the emulators' starter, and the free-port and PING probes the tests use too.
const { freePort, redisPing, startEmulators } = await import('@portcullis/emulators/testing');
const port = await redisPort();
const redisUrl = `redis://127.0.0.1:${port}`;
const redisDir = AOF ? local('redis') : clusterDir;
mkdirSync(clusterDir, { recursive: true });
mkdirSync(path.join(clusterDir, 'temp'), { recursive: true });
mkdirSync(redisDir, { recursive: true });

const info = nginxInfo(nginx);
const nginxConf = path.join(clusterDir, 'nginx.conf');
writeFileSync(
  nginxConf,
  nginxConfig(info, {
    root,
    clusterDir,
    accessLog,
    proxyPort: PROXY_PORT,
    apiPorts: API_PORTS,
    ipv6: hasIpv6Loopback,
  }),
);
const nginxArgs = [
  '-p',
  clusterDir + path.sep,
  '-c',
  nginxConf,
  ...(info.hasDashE ? ['-e', 'stderr'] : []),
];
// A config mistake is reported now, before anything else starts.
const test = spawnSync(nginx, ['-t', '-q', ...nginxArgs], { encoding: 'utf8' });
if (test.status !== 0) fail(`nginx refuses ${path.relative(root, nginxConf)}:\n${test.stderr}`);

// Generated for this run, shared by both instances, never written anywhere.
const sessionSecrets =
  process.env.SESSION_SECRETS ||
  process.env.SESSION_SECRET ||
  randomBytes(48).toString('base64url');
const secretNote =
  process.env.SESSION_SECRETS || process.env.SESSION_SECRET
    ? 'from your environment'
    : 'generated for this run: sessions end when you stop the cluster';

const redisArgs = [
  '--port',
  String(port),
  '--bind',
  '127.0.0.1',
  '--protected-mode',
  'yes',
  '--save',
  '',
  '--dir',
  redisDir,
  ...(AOF ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
];
const redis = run('redis', redisServer, redisArgs);
// Both emulators in this process, through the same starter as the tests and the bench; their
// lines (the one-time codes) are printed as [emulators].
try {
  emulators = await startEmulators({
    auth0: { port: AUTH0_PORT, log: (line) => console.log(`[emulators] ${line}`) },
    salesforce: { port: SALESFORCE_PORT },
  });
} catch (err) {
  await startupFailed(`the emulators did not start (${err.message})`);
}
await ready(redis, 'Redis', () => redisPing(port));

const apiEnv = (apiPort) => {
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    REDIS_URL: redisUrl,
    KEY_PREFIX,
    TRUST_PROXY: 'loopback',
    SESSION_SECRETS: sessionSecrets,
    ...emulators.env,
  };
  delete env.SESSION_SECRET; // the API refuses both at once
  return env;
};
const apis = API_PORTS.map((apiPort) =>
  run('api-' + apiPort, process.execPath, [...API_FLAGS, apiMain], {
    env: apiEnv(apiPort),
    critical: false, // after startup, one instance may go: nginx uses the other
  }),
);
await Promise.all(
  apis.map((entry, i) =>
    ready(entry, `API instance on ${API_PORTS[i]}`, () =>
      httpOk(API_PORTS[i], '/api/health/ready'),
    ),
  ),
);

writeFileSync(accessLog, ''); // this run's requests only
const proxy = run('nginx', nginx, nginxArgs);
follow(accessLog, proxy);
await ready(proxy, 'nginx', () => httpOk(PROXY_PORT, '/api/health/live'));
if (phase === 'stopping') await new Promise(() => {});
phase = 'running';

console.log(
  clusterBanner({
    root,
    proxyPort: PROXY_PORT,
    apiPorts: API_PORTS,
    pids: apis.map((entry) => entry.child.pid),
    auth0Port: AUTH0_PORT,
    salesforcePort: SALESFORCE_PORT,
    redisUrl,
    redisDir,
    aof: AOF,
    keyPrefix: KEY_PREFIX,
    nginxConf,
    clusterDir,
    secretNote,
  }),
);
