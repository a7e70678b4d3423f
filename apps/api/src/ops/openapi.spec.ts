import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Body, Controller, Post } from '@nestjs/common';
import { problem } from '@portcullis/shared';
import * as z from 'zod/mini';
import { startStack, type Stack } from '../../test/harness.js';
import { contractViolation } from '../../test/openapi-validator.js';
import { ApiContract } from './openapi.contract.js';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi.document.js';

/** The checked-in document: a change to the contract shows in review as a change to it. */
const CHECKED_IN = path.resolve(import.meta.dirname, '..', '..', 'openapi.json');

const operations = (doc: OpenApiDocument) =>
  Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`),
  );

describe('OpenAPI document', () => {
  let stack: Stack;
  let served: OpenApiDocument;

  beforeAll(async () => {
    stack = await startStack();
    const res = await stack.client().get('/api/openapi.json');
    expect(res.status).toBe(200);
    served = res.body as OpenApiDocument;
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('is the checked-in apps/api/openapi.json (regenerate: npm run openapi -w @portcullis/api)', () => {
    // OPENAPI_WRITE=1 is how `npm run openapi` writes it; prettier formats it afterwards.
    if (process.env.OPENAPI_WRITE === '1') writeFileSync(CHECKED_IN, JSON.stringify(served));
    expect(JSON.parse(readFileSync(CHECKED_IN, 'utf8'))).toEqual(served);
  });

  it('lists every route of the contract, and nothing kept out of it on purpose', () => {
    expect(operations(served).sort()).toEqual(
      [
        'POST /api/auth/passwordless/start',
        'POST /api/auth/passwordless/verify',
        'GET /api/me',
        'POST /api/auth/refresh',
        'POST /api/auth/logout',
        'GET /api/sessions',
        'DELETE /api/sessions',
        'DELETE /api/sessions/{id}',
        'GET /api/health/live',
        'GET /api/health/ready',
        'GET /api/greeting',
        'POST /api/greeting/orders',
        'GET /api/openapi.json',
        'GET /api/docs',
        ...(served.paths['/api/metrics'] ? ['GET /api/metrics'] : []),
      ].sort(),
    );
  });

  it('marks @Public() routes as needing nothing and every other route as cookie or Bearer', () => {
    const security = (p: string, m: string) => served.paths[p]![m]!.security;
    const guarded = [{ sessionCookie: [] }, { bearer: [] }];
    expect(security('/api/auth/passwordless/start', 'post')).toEqual([]);
    expect(security('/api/health/ready', 'get')).toEqual([]);
    expect(security('/api/me', 'get')).toEqual(guarded);
    expect(security('/api/sessions/{id}', 'delete')).toEqual(guarded);
    expect(Object.keys(served.components.securitySchemes as object)).toEqual([
      'sessionCookie',
      'bearer',
      ...(served.paths['/api/metrics'] ? ['metricsToken'] : []),
      'serviceToken',
    ]);
  });

  it('shows the route rules: services and their scopes, people only, fresh eligibility, a recent sign-in', () => {
    const op = (p: string, m: string) => served.paths[p]![m] as Record<string, any>;
    const codes = (o: Record<string, any>, status: number) =>
      o.responses[status].content['application/problem+json'].schema.allOf[1].properties.code
        .enum as string[];
    // GET /api/greeting admits services holding greeting:read.
    const greet = op('/api/greeting', 'get');
    expect(greet.security).toEqual([
      { sessionCookie: [] },
      { bearer: [] },
      { serviceToken: ['greeting:read'] },
    ]);
    expect(greet['x-portcullis-rules']).toEqual({
      callers: ['person', 'service'],
      scopes: ['greeting:read'],
    });
    expect(codes(greet, 403)).toContain('insufficient_scope');
    expect(codes(greet, 403)).not.toContain('people_only');
    // Every other guarded route is for people: a service token there is 403 people_only.
    const me = op('/api/me', 'get');
    expect(me['x-portcullis-rules']).toEqual({ callers: ['person'] });
    expect(codes(me, 403)).toContain('people_only');
    expect(codes(op('/api/greeting/orders', 'post'), 503)).toContain('upstream_unavailable');
    expect(op('/api/greeting/orders', 'post')['x-portcullis-rules']).toMatchObject({
      freshEligibilitySeconds: 60,
    });
    const endOthers = op('/api/sessions', 'delete');
    expect(endOthers['x-portcullis-rules']).toMatchObject({ recentSignInMinutes: 10 });
    expect(codes(endOthers, 401)).toContain('reauthentication_required');
    expect(codes(op('/api/sessions/{id}', 'delete'), 401)).not.toContain(
      'reauthentication_required',
    );
    // The service scheme is OAuth 2.0 client credentials, with every scope some route asks.
    const scheme = (served.components.securitySchemes as Record<string, any>).serviceToken;
    expect(scheme.type).toBe('oauth2');
    expect(Object.keys(scheme.flows.clientCredentials.scopes)).toEqual(['greeting:read']);
  });

  it('gives every status its problem+json schema, 428 with the challenge', () => {
    const start = served.paths['/api/auth/passwordless/start']!.post as {
      responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
    };
    expect(Object.keys(start.responses)).toEqual(
      expect.arrayContaining(['202', '400', '403', '408', '413', '415', '428', '429', '503']),
    );
    expect(start.responses['428']!.content!['application/problem+json']!.schema).toEqual({
      $ref: '#/components/schemas/ChallengeProblem',
    });
    expect(start.responses['403']!.content!['application/problem+json']!.schema).toEqual({
      allOf: [
        { $ref: '#/components/schemas/Problem' },
        { properties: { code: { enum: ['csrf_rejected'] } } },
      ],
    });
  });

  it('describes a new guarded module from its @ApiContract alone', () => {
    const NoteSchema = z.object({ id: z.string(), text: z.string() });
    @Controller('notes')
    class NotesController {
      @Post()
      @ApiContract({ body: z.object({ text: z.string() }), response: NoteSchema })
      create(@Body() body: unknown) {
        return body;
      }
    }
    const doc = buildOpenApiDocument([
      {
        controller: NotesController,
        handler: Object.getOwnPropertyDescriptor(NotesController.prototype, 'create')!
          .value as () => unknown,
      },
    ]);
    const op = doc.paths['/api/notes']!.post as Record<string, any>;
    expect(op.security).toEqual([{ sessionCookie: [] }, { bearer: [] }]);
    expect(op['x-portcullis-rules']).toEqual({ callers: ['person'] });
    expect(op.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      properties: { text: { type: 'string' } },
    });
    expect(op.responses['201'].content['application/json'].schema).toMatchObject({
      properties: { id: { type: 'string' }, text: { type: 'string' } },
    });
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403', '503']));
  });

  it('serves the reference page and its files under the strict CSP, with no inline script', async () => {
    const page = await stack.client().get('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.text).not.toMatch(/\sstyle=/);
    const script = await stack.client().get('/api/docs/reference.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.text).not.toMatch(/\beval\(|new Function|innerHTML/);
    const css = await stack.client().get('/api/docs/reference.css');
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });
});

describe('the e2e harness check against the document (contractViolation)', () => {
  const json = (status: number, body: unknown, type = 'application/problem+json') => ({
    status,
    contentType: type,
    body,
    text: JSON.stringify(body),
  });
  const me = {
    user: { id: 'auth0|1', email: 'ada@example.com', emailVerified: true },
    eligibility: { recordId: '003' },
    session: { expiresAt: '2026-01-01T00:00:00.000Z', absoluteExpiresAt: '2026-01-02T00:00:00Z' },
  };

  it('passes answers the document describes', () => {
    expect(contractViolation('GET', 'http://h/api/me', json(200, me, 'application/json'))).toBe(
      undefined,
    );
    expect(contractViolation('GET', 'http://h/api/me', json(401, problem('session_expired')))).toBe(
      undefined,
    );
    expect(
      contractViolation('DELETE', 'http://h/api/sessions/abc', {
        status: 204,
        contentType: null,
        body: undefined,
        text: '',
      }),
    ).toBe(undefined);
    expect(contractViolation('GET', 'http://h/api/nothing', json(404, problem('not_found')))).toBe(
      undefined,
    );
  });

  it('fails a status, a media type, a body or a problem code the document does not describe', () => {
    expect(contractViolation('GET', 'http://h/api/me', json(418, problem('internal')))).toMatch(
      /no 418/,
    );
    expect(
      contractViolation(
        'GET',
        'http://h/api/me',
        json(200, { ...me, extra: 1 }, 'application/json'),
      ),
    ).toMatch(/does not match/);
    expect(
      contractViolation('GET', 'http://h/api/me', json(200, me, 'application/problem+json')),
    ).toMatch(/no application\/problem\+json answer/);
    expect(
      contractViolation(
        'POST',
        'http://h/api/auth/passwordless/start',
        json(403, problem('not_eligible')),
      ),
    ).toMatch(/does not match/);
    expect(
      contractViolation('GET', 'http://h/api/nothing', json(200, {}, 'application/json')),
    ).toMatch(/not in the document/);
  });
});
