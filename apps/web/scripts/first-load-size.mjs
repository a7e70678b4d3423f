#!/usr/bin/env node
// Prints what the first load of /login costs after `vite build`: the scripts and
// stylesheets index.html loads, their static imports, and the lazily loaded login page with
// its static imports; raw and gzip. With --max-kb N it fails when the gzip JS is above N kB
// (1 kB = 1000 bytes, as Vite reports). The browser tests measure the same from the wire.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const dist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
const assets = readdirSync(path.join(dist, 'assets'));

const js = new Set();
const css = new Set();
function visit(file) {
  if (js.has(file)) return;
  js.add(file);
  const code = readFileSync(path.join(dist, 'assets', file), 'utf8');
  // Static imports in Vite's output: `from"./x.js"` and `import"./x.js"`.
  for (const m of code.matchAll(/(?:from|import)\s*"\.\/([\w.-]+\.js)"/g)) visit(m[1]);
}
for (const m of html.matchAll(/(?:src|href)="\/assets\/([\w.-]+)"/g)) {
  if (m[1].endsWith('.js')) visit(m[1]);
  else if (m[1].endsWith('.css')) css.add(m[1]);
}
const login = assets.find((f) => /^login-page-[\w-]+\.js$/.test(f));
if (!login) throw new Error('no login-page chunk in dist/assets: is the login page still lazy?');
visit(login);

function measure(files) {
  let raw = 0;
  let gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(path.join(dist, 'assets', file));
    raw += bytes.length;
    gzip += gzipSync(bytes).length;
  }
  return { raw, gzip };
}
const kb = (n) => (n / 1000).toFixed(2);
const scripts = measure(js);
const styles = measure(css);
console.log(`first load of /login: ${[...js].join(', ')} + ${[...css].join(', ')}`);
console.log(`  JS  ${kb(scripts.raw)} kB raw, ${kb(scripts.gzip)} kB gzip`);
console.log(`  CSS ${kb(styles.raw)} kB raw, ${kb(styles.gzip)} kB gzip`);

const flag = process.argv.indexOf('--max-kb');
if (flag > 0) {
  const max = Number(process.argv[flag + 1]);
  if (scripts.gzip / 1000 > max) {
    console.error(`over budget: ${kb(scripts.gzip)} kB gzip JS > ${max} kB`);
    process.exit(1);
  }
}
