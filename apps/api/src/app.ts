// Builds the Nest application on the Fastify adapter (chosen for throughput: see the
// performance issue), with every route under /api, the session cookie parser, the CSRF
// rule, problem+json and the security headers on every answer (Fastify's and Node's own
// included), server timeouts and a connection cap, JSON request logs under a request id of
// ours, and — when the web app has been built — the SPA served from the same origin with
// history fallback.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { problem, type Problem } from '@portcullis/shared';
import { AppModule } from './app.module.js';
import type { AppConfig, TrustProxy } from './config/config.js';
import type { SessionStore } from './session/session-store.js';
import { csrfRejection } from './http/csrf.js';
import { answerClientError, frameworkProblem } from './http/framework-errors.js';
import { clientRequestId, newRequestId } from './http/request-id.js';
import { SpaFallbackAdapter } from './http/spa-fallback.js';
import { SERVER_LIMITS, serverFactory, type ServerLimits } from './http/server-limits.js';
import { JsonLogger, type LogSink } from './common/json-logger.js';
import { sendProblem } from './common/problem.js';
import { securityHeaders } from './common/security-headers.js';
import { ProblemFilter } from './common/problem.filter.js';

/** Request bodies are small JSON documents; anything bigger is refused with 413. */
export const BODY_LIMIT_BYTES = 16 * 1024;

function fastifyTrustProxy(t: TrustProxy): boolean | number | string[] {
  switch (t.kind) {
    case 'none':
      return false;
    case 'hops':
      return t.hops;
    case 'list':
      return t.entries;
  }
}

export function defaultWebDist(): string {
  // dist/app.js (built) or src/app.ts (tests): either way apps/web/dist is two levels up.
  return path.resolve(import.meta.dirname, '..', '..', 'web', 'dist');
}

export interface CreateAppOptions {
  /** Where log lines go (tests collect them); stdout by default. */
  logSink?: LogSink;
  /** A session store to use instead of the one the configuration names (tests share one). */
  sessionStore?: SessionStore;
  /** Server timeouts and the connection cap (tests shorten them); SERVER_LIMITS otherwise. */
  serverLimits?: Partial<ServerLimits>;
}

export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = new JsonLogger(config.logLevel, options.logSink);
  const logRequests = logger.enabled('info');
  const headers = securityHeaders(config.env === 'production');
  const logRequest = (req: FastifyRequest, status: number, ms?: number) => {
    if (!logRequests) return;
    const given = clientRequestId(req.headers);
    logger.write('info', {
      msg: 'request',
      reqId: req.id,
      ...(given ? { clientRequestId: given } : {}),
      method: req.method,
      // Path only: query strings are not ours to log.
      path: req.url.split('?')[0],
      status,
      ...(ms === undefined ? {} : { ms }),
    });
  };
  const answer = (req: FastifyRequest, reply: FastifyReply, body: Problem) => {
    void reply.headers(headers).header('x-request-id', req.id);
    sendProblem(reply, body);
  };

  const webDist = config.webDistDir ?? defaultWebDist();
  const serveSpa = existsSync(path.join(webDist, 'index.html'));
  // With the SPA, a page outside /api that matched no route is its index.html (spa-fallback.ts).
  const Adapter = serveSpa ? SpaFallbackAdapter : FastifyAdapter;
  const adapter = new Adapter({
    // Fastify takes a hop count too (proxy-addr semantics, like Express's `trust proxy`).
    trustProxy: fastifyTrustProxy(config.trustProxy) as boolean | string[],
    bodyLimit: BODY_LIMIT_BYTES,
    // Always ours: a caller's X-Request-Id is only logged beside it (see request-id.ts).
    genReqId: newRequestId,
    logger: false,
    // Requests that arrive while the server closes get our own 503 (onRequest, below).
    return503OnClosing: false,
    serverFactory: serverFactory({ ...SERVER_LIMITS, ...options.serverLimits }),
    // A URL that does not decode, or a path parameter over the limit: before any hook runs.
    frameworkErrors: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      const body = frameworkProblem(err);
      logRequest(req, body.status);
      answer(req, reply, body);
    },
    // Malformed HTTP, headers too large, a request too slow to arrive: no request exists yet.
    clientErrorHandler: (err, socket) => {
      const reqId = newRequestId();
      const body = answerClientError(err, socket, { ...headers, 'x-request-id': reqId });
      if (body && logRequests)
        logger.write('info', { msg: 'client error', reqId, error: err.code, status: body.status });
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, { sessionStore: options.sessionStore }),
    adapter,
    {
      logger,
      bufferLogs: false,
      // JSON only: Nest would otherwise add a urlencoded parser (@fastify/formbody).
      bodyParser: false,
    },
  );
  app.setGlobalPrefix('api');
  app.enableShutdownHooks();

  const fastify = app.getHttpAdapter().getInstance();
  // Fastify parses application/json (with prototype-poisoning protection) and text/plain by
  // default; the API takes JSON only, so every other media type is a 415.
  fastify.removeContentTypeParser('text/plain');
  const allowedOrigins = new Set(config.allowedOrigins);

  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.headers(headers);
    void reply.header('x-request-id', req.id);
    if (closing) {
      void reply.header('connection', 'close');
      sendProblem(reply, problem('shutting_down', { retryAfterSeconds: 1 }));
      return;
    }
    // RFC 9110: an HTTP/1.1 request without Host is a 400 (Node's own has no body or headers).
    if (req.headers.host === undefined && req.raw.httpVersion === '1.1') {
      sendProblem(reply, problem('validation_failed', { detail: 'The Host header is missing.' }));
      return;
    }
    // Every unsafe method, whatever the path: the router decodes and normalises paths
    // (`/%61pi`, `//api`, `/api/%2e%2e/api`), so a rule keyed on the raw URL could be walked
    // around. Nothing outside /api takes unsafe methods (the SPA is served by GET).
    const reason = csrfRejection(req, allowedOrigins);
    if (reason) {
      Logger.warn({ msg: 'csrf rejected', reqId: req.id, reason }, 'Http');
      sendProblem(
        reply,
        problem('csrf_rejected', { detail: 'Cross-site requests are not allowed.' }),
      );
      return;
    }
    done();
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    logRequest(req, reply.statusCode, Math.round(reply.elapsedTime));
    done();
  });
  if (serveSpa) {
    app.useStaticAssets({
      root: webDist,
      prefix: '/',
      index: false,
      wildcard: false,
      cacheControl: false,
      // .br/.gz written at build time (apps/web/scripts/precompress.mjs).
      preCompressed: true,
      // Source maps and dotfiles are not for the public.
      dotfiles: 'deny',
      allowedPath: (pathName: string) => !pathName.endsWith('.map'),
      // @fastify/static hands over the Fastify reply (the type says ServerResponse).
      setHeaders: (reply: unknown, file: string) => {
        // Vite's hashed assets never change; everything else is revalidated.
        const immutable = file.includes(`${path.sep}assets${path.sep}`);
        void (reply as FastifyReply).header(
          'cache-control',
          immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.useGlobalFilters(new ProblemFilter());
  return app;
}
