// Builds the OpenAPI 3.1 document of the API from the code itself: the routes Nest knows
// (controller and handler paths, methods, @HttpCode, @Public(), the route rules of
// auth/route-rules.ts: who may call, scopes, fresh eligibility, recent sign-in) and each route's
// @ApiContract, whose schemas are the zod schemas of packages/shared that the handlers
// validate with, turned into JSON Schema 2020-12 (OpenAPI 3.1's dialect) by zod itself.
//
// Why a small generator and not @nestjs/swagger: @nestjs/swagger describes bodies with DTO
// classes and @ApiProperty() (or a CLI plugin reading TypeScript types), so every schema
// would be written a second time beside its zod twin and could drift from what is really
// validated. Here the zod schema is the only description, and this file only arranges it.
import { RequestMethod, type Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import {
  ChallengeProblemSchema,
  DEFAULT_OTP_LENGTH,
  ERROR_TABLE,
  PROBLEM_CONTENT_TYPE,
  ProblemSchema,
  type ErrorCode,
} from '@portcullis/shared';
import { toJSONSchema, type $ZodType } from 'zod/v4/core';
import { routeRules, type RouteRules } from '../auth/route-rules.js';
import {
  API_CONTRACT,
  type ApiContractOptions,
  type ContractSettings,
} from './openapi.contract.js';

/** app.setGlobalPrefix('api') in app.ts. */
export const API_PREFIX = '/api';

/** One route as Nest registered it: a handler of a controller class. */
export interface DiscoveredRoute {
  controller: Type<unknown>;
  handler: (...args: never[]) => unknown;
}

type JsonSchema = Record<string, unknown>;
type Operation = Record<string, unknown>;
export type OpenApiDocument = {
  openapi: string;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, unknown>;
} & Record<string, unknown>;

/** What any route can answer: a missing Host, a malformed URL, limits, shutdown, a bug. */
const EVERY_ROUTE: readonly ErrorCode[] = [
  'validation_failed',
  'request_timeout',
  'uri_too_long',
  'headers_too_large',
  'internal',
  'shutting_down',
];
/** What any POST/PUT/PATCH/DELETE can answer: the CSRF rule, and the JSON-only body parser. */
const UNSAFE_METHOD: readonly ErrorCode[] = [
  'csrf_rejected',
  'unsupported_media_type',
  'payload_too_large',
];
/** What the global guard answers on a route that is not @Public(). */
const GUARDED: readonly ErrorCode[] = [
  'unauthenticated',
  'session_expired',
  'not_eligible',
  'access_denied',
  'upstream_unavailable',
];

/** What the guard answers for the route's rules (route-rules.ts), beyond GUARDED. */
function ruleErrors(rules: RouteRules): ErrorCode[] {
  return [
    ...(rules.admitServices ? [] : (['people_only'] as const)),
    ...(rules.scopes.length > 0 ? (['insufficient_scope'] as const) : []),
    ...(rules.recentSignInMs !== undefined ? (['reauthentication_required'] as const) : []),
  ];
}

/** The route's rules in words, for the operation's description. */
function ruleDescription(rules: RouteRules): string {
  const scopes = rules.scopes.map((s) => `\`${s}\``).join(', ');
  const lines = [
    rules.admitServices
      ? `People, and services (client-credentials tokens of API_SERVICE_CLIENTS)${scopes ? ` holding ${scopes}` : ''}.`
      : 'People only: a service token is refused with 403 `people_only`.',
  ];
  if (rules.freshEligibilityMs !== undefined)
    lines.push(
      `Eligibility confirmed by Salesforce within ${rules.freshEligibilityMs / 1000} s, asked again when older (withdrawn: 403 \`not_eligible\`; Salesforce unavailable: 503).`,
    );
  if (rules.recentSignInMs !== undefined)
    lines.push(
      `Needs a sign-in with a code within ${rules.recentSignInMs / 60_000} minutes (else 401 \`reauthentication_required\`).`,
    );
  return lines.join(' ');
}

/** The `x-portcullis-rules` extension: the rules as data, for tools. */
function ruleExtension(rules: RouteRules): Record<string, unknown> {
  return {
    callers: rules.admitServices ? ['person', 'service'] : ['person'],
    ...(rules.scopes.length > 0 ? { scopes: rules.scopes } : {}),
    ...(rules.freshEligibilityMs !== undefined
      ? { freshEligibilitySeconds: rules.freshEligibilityMs / 1000 }
      : {}),
    ...(rules.recentSignInMs !== undefined
      ? { recentSignInMinutes: rules.recentSignInMs / 60_000 }
      : {}),
  };
}

const METHODS: Partial<Record<RequestMethod, string>> = {
  [RequestMethod.GET]: 'get',
  [RequestMethod.POST]: 'post',
  [RequestMethod.PUT]: 'put',
  [RequestMethod.PATCH]: 'patch',
  [RequestMethod.DELETE]: 'delete',
};
const METHOD_ORDER = ['get', 'post', 'put', 'patch', 'delete'];

/** Schemes listed only when some operation uses them. */
const OPTIONAL_SCHEMES = new Set(['metricsToken', 'serviceToken']);

const SECURITY_SCHEMES = {
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'portcullis',
    description:
      'The session cookie set by POST /api/auth/passwordless/verify (named `__Host-portcullis` in production). HttpOnly: browsers send it, scripts never see it.',
  },
  bearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      "A person's Auth0 access token (RS256) for this API, issued to this API's application (`azp` or `client_id`), for non-browser clients; it needs the `openid email` scopes (its subject passes the same Salesforce gate as a session).",
  },
  metricsToken: {
    type: 'http',
    scheme: 'bearer',
    description: "The operator's METRICS_TOKEN, for GET /api/metrics only.",
  },
};

/** Sent as `Authorization: Bearer`, like a person's token; scopes are per operation. */
const serviceTokenScheme = (scopes: Record<string, string>) => ({
  type: 'oauth2',
  description:
    "An Auth0 client-credentials access token for this API (`POST https://AUTH0_DOMAIN/oauth/token`, `grant_type=client_credentials`, `audience` = AUTH0_AUDIENCE) of an application listed in API_SERVICE_CLIENTS, sent as `Authorization: Bearer`. Accepted only by operations that list this scheme, with the scopes they list (from the token's `scope` or Auth0 RBAC `permissions`; else 403 `insufficient_scope`); anywhere else 403 `people_only`.",
  flows: { clientCredentials: { tokenUrl: 'https://AUTH0_DOMAIN/oauth/token', scopes } },
});

/** JSON Schema 2020-12 of a zod schema: what a client sends (`input`) or receives (`output`). */
export function jsonSchema(schema: $ZodType, io: 'input' | 'output'): JsonSchema {
  // Refinements (the email checks) cannot be expressed and are left out, not refused.
  const out = toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

/** The problem body for one status: the Problem schema with `code` narrowed to its codes. */
function problemSchema(codes: ErrorCode[]): JsonSchema {
  if (codes.length === 1 && codes[0] === 'challenge_required') return ref('ChallengeProblem');
  const plain = codes.filter((c) => c !== 'challenge_required');
  const narrowed = {
    allOf: [ref('Problem'), { properties: { code: { enum: plain } } }],
  };
  return plain.length === codes.length ? narrowed : { anyOf: [ref('ChallengeProblem'), narrowed] };
}

function joinPath(...parts: string[]): string {
  const joined = parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .map((p) => (p.startsWith(':') ? `{${p.slice(1)}}` : p))
    .join('/');
  return `/${joined}`;
}

const firstPath = (value: unknown): string =>
  Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'string' ? value : '';

function operation(
  route: DiscoveredRoute,
  method: string,
  path: string,
  settings: ContractSettings,
): Operation | undefined {
  const contract = Reflect.getMetadata(API_CONTRACT, route.handler) as
    ApiContractOptions | undefined;
  if (contract?.hidden) return undefined;
  const rules = routeRules(route.handler, route.controller);
  const isPublic = rules.isPublic;
  const unsafe = method !== 'get';
  const success =
    (Reflect.getMetadata(HTTP_CODE_METADATA, route.handler) as number | undefined) ??
    (method === 'post' ? 201 : 200);

  const responses: Record<string, Record<string, unknown>> = {};
  if (contract?.response) {
    responses[success] = {
      description: 'Success.',
      content: {
        [contract.responseType ?? 'application/json']: {
          schema: jsonSchema(contract.response, 'output'),
        },
      },
    };
  } else if (contract?.responseType) {
    responses[success] = {
      description: 'Success.',
      content: {
        [contract.responseType]: {
          schema: { type: contract.responseType.endsWith('json') ? 'object' : 'string' },
        },
      },
    };
  } else {
    responses[success] = { description: success === 204 ? 'Done; no body.' : 'Success.' };
  }

  const codes = new Set<ErrorCode>([
    ...EVERY_ROUTE,
    ...(unsafe ? UNSAFE_METHOD : []),
    ...(isPublic ? [] : [...GUARDED, ...ruleErrors(rules)]),
    ...(contract?.errors ?? []),
  ]);
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_TABLE[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const statuses = new Set<number>([
    ...byStatus.keys(),
    ...Object.keys(contract?.otherResponses ?? {}).map(Number),
  ]);
  for (const status of [...statuses].sort((a, b) => a - b)) {
    const problemCodes = byStatus.get(status);
    const other = contract?.otherResponses?.[status];
    const content: Record<string, unknown> = {};
    if (problemCodes) content[PROBLEM_CONTENT_TYPE] = { schema: problemSchema(problemCodes) };
    if (other) content['application/json'] = { schema: jsonSchema(other.schema, 'output') };
    const description = [
      ...(other ? [other.description] : []),
      ...(problemCodes ? [`Problem: ${problemCodes.map((c) => `\`${c}\``).join(', ')}.`] : []),
    ].join(' ');
    responses[status] = { description, content };
  }

  const parameters = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
    name: m[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));

  return {
    operationId: `${route.controller.name.replace(/Controller$/, '')}_${route.handler.name}`,
    ...(contract?.summary ? { summary: contract.summary } : {}),
    ...(isPublic || contract?.security ? {} : { description: ruleDescription(rules) }),
    tags: [firstPath(Reflect.getMetadata(PATH_METADATA, route.controller)).split('/')[0] || 'ops'],
    security:
      contract?.security ??
      (isPublic
        ? []
        : [
            { sessionCookie: [] },
            { bearer: [] },
            ...(rules.admitServices ? [{ serviceToken: [...rules.scopes] }] : []),
          ]),
    ...(isPublic || contract?.security ? {} : { 'x-portcullis-rules': ruleExtension(rules) }),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(contract?.body
      ? {
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: jsonSchema(
                  typeof contract.body === 'function' ? contract.body(settings) : contract.body,
                  'input',
                ),
              },
            },
          },
        }
      : {}),
    responses,
  };
}

/** The document for these routes (order does not matter: paths and methods are sorted). */
export function buildOpenApiDocument(
  routes: readonly DiscoveredRoute[],
  settings: ContractSettings = { otpLength: DEFAULT_OTP_LENGTH },
): OpenApiDocument {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const route of routes) {
    const verb = METHODS[Reflect.getMetadata(METHOD_METADATA, route.handler) as RequestMethod];
    if (!verb) continue;
    const path = joinPath(
      API_PREFIX,
      firstPath(Reflect.getMetadata(PATH_METADATA, route.controller)),
      firstPath(Reflect.getMetadata(PATH_METADATA, route.handler)),
    );
    const op = operation(route, verb, path, settings);
    if (!op) continue;
    (paths[path] ??= {})[verb] = op;
  }
  // Every scope some operation asks of services, with the operations that ask it.
  const askedBy = new Map<string, string[]>();
  for (const [p, item] of Object.entries(paths))
    for (const [verb, op] of Object.entries(item))
      for (const requirement of op.security as Record<string, string[]>[])
        for (const scope of requirement.serviceToken ?? [])
          askedBy.set(scope, [...(askedBy.get(scope) ?? []), `${verb.toUpperCase()} ${p}`]);
  const scopes = Object.fromEntries(
    [...askedBy.keys()].sort().map((s) => [s, `Needed by ${askedBy.get(s)!.sort().join(', ')}.`]),
  );
  const sorted = Object.fromEntries(
    Object.keys(paths)
      .sort()
      .map((p) => [
        p,
        Object.fromEntries(
          Object.entries(paths[p]!).sort(
            ([a], [b]) => METHOD_ORDER.indexOf(a) - METHOD_ORDER.indexOf(b),
          ),
        ),
      ]),
  );
  return {
    openapi: '3.1.1',
    info: {
      title: 'Portcullis API',
      version: '0.1.0',
      description:
        "Salesforce-gated passwordless sign-in on Auth0. Every route needs a session cookie or a person's Bearer token unless its security is empty; a route that also lists `serviceToken` admits services with the scopes it names. Errors are RFC 9457 problem details with a stable `code`; 429 and 503 carry `Retry-After`.",
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/' }],
    security: [{ sessionCookie: [] }, { bearer: [] }],
    paths: sorted,
    components: {
      schemas: {
        Problem: jsonSchema(ProblemSchema, 'output'),
        ChallengeProblem: jsonSchema(ChallengeProblemSchema, 'output'),
      },
      // Only the schemes some route uses (metricsToken exists with the metrics route,
      // serviceToken with a route that admits services), the latter with every scope named.
      securitySchemes: Object.fromEntries(
        Object.entries({ ...SECURITY_SCHEMES, serviceToken: serviceTokenScheme(scopes) }).filter(
          ([name]) =>
            !OPTIONAL_SCHEMES.has(name) ||
            Object.values(sorted).some((item) =>
              Object.values(item).some((op) =>
                (op.security as Record<string, unknown>[]).some((s) => name in s),
              ),
            ),
        ),
      ),
    },
  };
}
