// Builds the Nest application on the Fastify adapter (chosen for throughput: see the
// performance issue), with every route under /api, the session cookie parser, the CSRF
// rule, problem+json for every error, JSON request logs with a request id, and — when the
// web app has been built — the SPA served from the same origin with history fallback.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { problem } from '@portcullis/shared';
import { AppModule } from './app.module';
import type { AppConfig, TrustProxy } from './config/config';
import type { SessionStore } from './session/session-store';
import { csrfRejection } from './http/csrf';
import { JsonLogger, type LogSink } from './common/json-logger';
import { sendProblem } from './common/problem';
import { securityHeaders } from './common/security-headers';
import { ProblemFilter } from './common/problem.filter';

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

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function defaultWebDist(): string {
  // dist/app.js (built) or src/app.ts (tests): either way apps/web/dist is two levels up.
  return path.resolve(__dirname, '..', '..', 'web', 'dist');
}

export interface CreateAppOptions {
  /** Where log lines go (tests collect them); stdout by default. */
  logSink?: LogSink;
  /** A session store to use instead of the one the configuration names (tests share one). */
  sessionStore?: SessionStore;
}

export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Fastify takes a hop count too (proxy-addr semantics, like Express's `trust proxy`).
    trustProxy: fastifyTrustProxy(config.trustProxy) as boolean | string[],
    bodyLimit: BODY_LIMIT_BYTES,
    // A caller's X-Request-Id is kept when it is harmless, so traces join up.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    logger: false,
    return503OnClosing: true,
  });
  const logger = new JsonLogger(config.logLevel, options.logSink);
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

  const headers = securityHeaders(config.env === 'production');
  fastify.addHook('onRequest', (req, reply, done) => {
    void reply.headers(headers);
    void reply.header('x-request-id', req.id);
    if (req.url.startsWith('/api/') || req.url === '/api') {
      const reason = csrfRejection(req, allowedOrigins);
      if (reason) {
        Logger.warn({ msg: 'csrf rejected', reqId: req.id, reason }, 'Http');
        sendProblem(
          reply,
          problem('csrf_rejected', { detail: 'Cross-site requests are not allowed.' }),
        );
        return;
      }
    }
    done();
  });
  const logRequests = logger.enabled('info');
  fastify.addHook('onResponse', (req, reply, done) => {
    if (logRequests)
      logger.write('info', {
        msg: 'request',
        reqId: req.id,
        method: req.method,
        // Path only: query strings are not ours to log.
        path: req.url.split('?')[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      });
    done();
  });
  const webDist = config.webDistDir ?? defaultWebDist();
  const serveSpa = existsSync(path.join(webDist, 'index.html'));
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
  app.useGlobalFilters(new ProblemFilter(serveSpa));
  return app;
}
