// @ts-check
// The JSON document in bench/results/: latest.json, and the one before it as previous.json
// (the runs table compares req/s against it).
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** @typedef {import('./doc.js').BenchDoc} BenchDoc */

const RESULTS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'results',
);

/**
 * Loads the previous latest.json (if any) before it is replaced.
 * @returns {Promise<BenchDoc | undefined>}
 */
export async function loadPrevious() {
  const file = path.join(RESULTS_DIR, 'latest.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Writes latest.json (the one before becomes previous.json); returns its path.
 * @param {BenchDoc} doc
 */
export async function writeResults(doc) {
  await mkdir(RESULTS_DIR, { recursive: true });
  const latest = path.join(RESULTS_DIR, 'latest.json');
  if (existsSync(latest)) await rename(latest, path.join(RESULTS_DIR, 'previous.json'));
  await writeFile(latest, await formatJson(doc, latest));
  return latest;
}

/**
 * JSON as Prettier writes it (when it is installed), so `npm run lint` passes after a run.
 * @param {BenchDoc} doc
 * @param {string} file
 */
async function formatJson(doc, file) {
  const text = JSON.stringify(doc, null, 2) + '\n';
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...options, filepath: file });
  } catch {
    return text;
  }
}
