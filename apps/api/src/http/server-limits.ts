// How long a client may take and how many connections it may hold. Node's defaults are
// loose (Fastify even turns the request timeout off), so a client sending a body one byte
// every few seconds, or opening sockets and sending nothing, could hold resources forever.
// Here every limit is explicit, and set on the one HTTP server this process listens with.
import { createServer, type Server } from 'node:http';
import type { FastifyServerFactory } from 'fastify';

export interface ServerLimits {
  /** Time to receive a request's headers, from its first byte or the connection's start. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included. */
  requestTimeoutMs: number;
  /** A connection idle this long between requests is closed. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (any state). */
  socketIdleTimeoutMs: number;
  /** How often the two request timeouts above are enforced. */
  timeoutCheckIntervalMs: number;
  /** Connections past this number are closed as they arrive. */
  maxConnections: number;
}

export const SERVER_LIMITS: Readonly<ServerLimits> = {
  // Browsers and proxies send headers in one go; ten seconds is generous for a slow link.
  headersTimeoutMs: 10_000,
  // Bodies are at most 16 KB of JSON (BODY_LIMIT_BYTES): thirty seconds is ~4 kbit/s.
  requestTimeoutMs: 30_000,
  // Longer than the usual load-balancer idle timeout (60 s), so the balancer closes first and
  // never sends a request down a connection we are closing.
  keepAliveTimeoutMs: 72_000,
  // A backstop for sockets stuck in any other state (e.g. a client that stops reading);
  // longer than any request takes while we wait on Auth0 or Salesforce (their timeouts).
  socketIdleTimeoutMs: 120_000,
  // Node's default (30 s) would let a 10 s limit stretch to 40 s; a pass over the open
  // connections each second costs next to nothing.
  timeoutCheckIntervalMs: 1000,
  // One instance behind a load balancer holds few connections; this bounds the memory and
  // file descriptors that a flood of idle sockets can take. Scale out with instances.
  maxConnections: 10_000,
};

/**
 * Fastify's `serverFactory`: the HTTP server with every limit applied. Also hands requests
 * with an `Expect` other than `100-continue` to Fastify (Node would answer them with a bare
 * 417 of its own; RFC 9110 lets a server ignore an expectation it does not know), and lets
 * a request without Host reach our hook, which refuses it as problem+json (Node's own 400
 * would carry none of our headers).
 */
export function serverFactory(limits: ServerLimits): FastifyServerFactory {
  return (handler) => {
    const server: Server = createServer(
      {
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
        requireHostHeader: false,
      },
      handler,
    );
    server.keepAliveTimeout = limits.keepAliveTimeoutMs;
    server.setTimeout(limits.socketIdleTimeoutMs);
    server.maxConnections = limits.maxConnections;
    server.on('checkExpectation', handler);
    return server;
  };
}
