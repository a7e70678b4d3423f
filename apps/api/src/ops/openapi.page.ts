// The reference page at GET /api/docs: a small HTML page, a script and a stylesheet of our
// own, each served as a file from /api/docs/… so the API's Content-Security-Policy
// (script-src 'self', style-src 'self', no inline code, no eval) holds unchanged, and no
// network beyond this origin is needed. Why not Swagger UI, Redoc or Scalar: they add
// styles at run time (style elements or attributes), which style-src 'self' refuses, and
// relaxing the policy for one page would weaken the rule every other answer relies on. The
// script builds the page with DOM calls and textContent only: no innerHTML, no eval.

export const DOCS_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Portcullis API reference</title>
    <link rel="stylesheet" href="/api/docs/reference.css" />
    <script type="module" src="/api/docs/reference.js"></script>
  </head>
  <body>
    <main id="reference">
      <h1>Portcullis API reference</h1>
      <p>The OpenAPI 3.1 document is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
      <p id="status">Loading…</p>
    </main>
  </body>
</html>
`;

export const DOCS_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.45; }
body { margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem; }
section.operation { border: 1px solid #8884; border-radius: 0.5rem; margin: 1rem 0; padding: 0.75rem 1rem; }
h2 { margin-top: 2rem; text-transform: capitalize; }
h3 { margin: 0; font-family: ui-monospace, monospace; font-size: 1rem; }
.method { display: inline-block; min-width: 4.5rem; font-weight: 700; text-transform: uppercase; }
.method.get { color: #1a7f37; } .method.post { color: #0969da; } .method.delete { color: #cf222e; }
.security { font-size: 0.85rem; opacity: 0.8; }
details { margin: 0.25rem 0; }
summary { cursor: pointer; }
pre { overflow-x: auto; background: #8881; padding: 0.5rem; border-radius: 0.25rem; font-size: 0.8rem; }
`;

export const DOCS_JS = `// Renders /api/openapi.json: one section per operation, its security, body and answers.
const root = document.getElementById('reference');
const status = document.getElementById('status');

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function schemaBlock(label, schema) {
  const details = el('details');
  details.append(el('summary', label), el('pre', JSON.stringify(schema, null, 2)));
  return details;
}

function render(doc) {
  status.remove();
  root.append(el('p', doc.info.description));
  const schemes = el('ul');
  for (const [name, scheme] of Object.entries(doc.components.securitySchemes ?? {}))
    schemes.append(el('li', name + ': ' + (scheme.description ?? scheme.type)));
  root.append(el('h2', 'Authentication'), schemes);
  const byTag = new Map();
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags ?? ['other'])[0];
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, op });
    }
  for (const [tag, ops] of byTag) {
    root.append(el('h2', tag));
    for (const { path, method, op } of ops) {
      const section = el('section', undefined, 'operation');
      section.id = op.operationId;
      const title = el('h3');
      title.append(el('span', method, 'method ' + method), document.createTextNode(path));
      section.append(title);
      if (op.summary) section.append(el('p', op.summary));
      const security = op.security ?? doc.security ?? [];
      section.append(
        el(
          'p',
          security.length === 0
            ? 'Public: needs no credentials.'
            : 'Needs: ' + security.map((s) => Object.keys(s).join(' + ')).join(' or '),
          'security',
        ),
      );
      const body = op.requestBody?.content?.['application/json']?.schema;
      if (body) section.append(schemaBlock('Request body (application/json)', body));
      for (const [code, answer] of Object.entries(op.responses)) {
        const types = Object.entries(answer.content ?? {});
        if (types.length === 0) section.append(el('p', code + ': ' + answer.description));
        for (const [type, media] of types)
          section.append(schemaBlock(code + ' ' + type + ': ' + answer.description, media.schema));
      }
      root.append(section);
    }
  }
  const schemas = el('section', undefined, 'operation');
  schemas.append(el('h3', 'Schemas'));
  for (const [name, schema] of Object.entries(doc.components.schemas ?? {}))
    schemas.append(schemaBlock(name, schema));
  root.append(el('h2', 'components'), schemas);
  document.body.dataset.rendered = 'true';
}

fetch('/api/openapi.json', { headers: { accept: 'application/json' } })
  .then((res) => {
    if (!res.ok) throw new Error('HTTP ' + res.status);
    return res.json();
  })
  .then(render)
  .catch((err) => {
    status.textContent = 'The document could not be loaded: ' + err.message;
  });
`;
