// Start/stop on a port, and the last-resort wrapper that turns a bug into a 500.
import { once } from 'node:events';
import type http from 'node:http';
import type https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Req, Res } from './body.js';

export interface Listening {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Listens on host:port (port 0 picks a free one) and returns the base URL. The URL names
 * `localhost`, which the dev certificate covers and which resolves to loopback.
 */
export async function listen(
  server: http.Server | https.Server,
  { port, host, protocol }: { port: number; host: string; protocol: 'http' | 'https' },
): Promise<Listening> {
  server.listen(port, host);
  await once(server, 'listening');
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `${protocol}://localhost:${actual}`,
    port: actual,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Wraps a request handler so a bug answers 500 instead of crashing or hanging. */
export function safeHandler(
  handler: (req: Req, res: Res) => Promise<void>,
  onError: (res: Res, err: unknown) => void,
): (req: Req, res: Res) => void {
  return (req, res) => {
    handler(req, res).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      onError(res, err);
    });
  };
}
