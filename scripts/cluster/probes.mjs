// Small helpers of `npm run start:cluster`: finding binaries, free ports, readiness probes,
// and following a log file. (A free port and the Redis PING probe come from
// `@portcullis/emulators/testing`, shared with the tests.)
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';

/** An executable by name on PATH, or in the sbin directories a non-root PATH often lacks. */
export function findBinary(name, override) {
  if (override) return existsSync(override) ? override : undefined;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  return [`/usr/sbin/${name}`, `/usr/local/sbin/${name}`, `/usr/local/nginx/sbin/${name}`].find(
    (p) => existsSync(p),
  );
}

/** Whether `port` can be listened on (exclusively) at `host`. */
export function portFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Whether GET `pathname` on `port` answers 200. */
export function httpOk(port, pathname) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/** Prints the lines appended to `file` through `entry`, like `tail -f`. */
export function follow(file, entry) {
  const fd = openSync(file, 'r');
  let position = 0;
  let buffered = '';
  const chunk = Buffer.alloc(64 * 1024);
  const drain = () => {
    const { size } = fstatSync(fd);
    if (size < position) position = 0; // truncated
    while (position < size) {
      const n = readSync(fd, chunk, 0, chunk.length, position);
      if (n === 0) break;
      position += n;
      buffered += chunk.toString('utf8', 0, n);
    }
    const lines = buffered.split('\n');
    buffered = lines.pop();
    for (const line of lines) entry.emit(line);
  };
  const timer = setInterval(drain, 200);
  timer.unref();
  entry.child.once('close', () => {
    clearInterval(timer);
    drain(); // the last requests before nginx stopped
    closeSync(fd);
  });
}
