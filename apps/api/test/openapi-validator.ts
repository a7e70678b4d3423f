// Checks an answer against the checked-in OpenAPI document (apps/api/openapi.json, which
// src/ops/openapi.spec.ts keeps equal to the generated one): the e2e harness calls it for
// every request, so a status, media type or body the document does not describe fails the
// test that received it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

interface MediaType {
  schema: unknown;
}
interface Operation {
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
}

const DOC_ID = 'openapi';
/** `npm run openapi` rewrites the document: nothing is checked against the old one then. */
const REWRITING = process.env.OPENAPI_WRITE === '1';
const CHECKED_IN = path.resolve(import.meta.dirname, '..', 'openapi.json');
const doc: Document = REWRITING
  ? { paths: {} }
  : (JSON.parse(readFileSync(CHECKED_IN, 'utf8')) as Document);
// Formats are not checked: zod writes a pattern beside each (date-time), and that is checked.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(doc, DOC_ID);

const templates = Object.keys(doc.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
}));
const compiled = new Map<string, ValidateFunction>();
const pointer = (parts: string[]) =>
  parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Paths outside the document on purpose (see the controllers), or not the API's at all. */
function outsideTheDocument(pathname: string): boolean {
  if (pathname !== '/api' && !pathname.startsWith('/api/')) return true; // the SPA
  return pathname === '/api/dev/mailbox' || pathname.startsWith('/api/docs/');
}

export interface Answer {
  status: number;
  contentType: string | null;
  body: unknown;
  text: string;
}

/** Why this answer breaks the document, or undefined when the document describes it. */
export function contractViolation(method: string, url: string, answer: Answer): string | undefined {
  const pathname = new URL(url).pathname;
  if (REWRITING || outsideTheDocument(pathname)) return undefined;
  const verb = method.toLowerCase();
  const what = `${method} ${pathname} → ${answer.status}`;
  const mediaType = (answer.contentType ?? '').split(';')[0]!.trim();
  const match = templates.find((t) => t.pattern.test(pathname) && doc.paths[t.template]![verb]);
  // An unknown path or method (or a spelling the router normalises) is not in the document;
  // whatever it answers must still be a problem.
  const parts = match
    ? [
        'paths',
        match.template,
        verb,
        'responses',
        String(answer.status),
        'content',
        mediaType,
        'schema',
      ]
    : ['components', 'schemas', 'Problem'];
  if (!match) {
    if (mediaType !== 'application/problem+json')
      return `${what}: not in the document, and not a problem (${mediaType || 'no body'})`;
  } else {
    const response = doc.paths[match.template]![verb]!.responses[String(answer.status)];
    if (!response) return `${what}: the document has no ${answer.status} for ${match.template}`;
    if (!response.content) {
      return answer.text === '' ? undefined : `${what}: the document says no body`;
    }
    const media = response.content[mediaType];
    if (!media) return `${what}: the document has no ${mediaType || 'bodiless'} answer here`;
    // A schema-less text answer (the reference page) only has its media type checked.
    if (!mediaType.endsWith('json')) return undefined;
  }
  const key = pointer(parts);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: `${DOC_ID}#/${key}` });
    compiled.set(key, validate);
  }
  if (validate(answer.body)) return undefined;
  return `${what}: the body does not match the document: ${ajv.errorsText(validate.errors)}`;
}
