/**
 * `npm run vectors`: writes the conformance vectors (docs/conformance.md)
 * into docs/test-vectors/ from the real code. Every value is computed, never
 * typed in; every refusal is recorded with the error code the code throws.
 * Randomized values are kept from the committed files while they still
 * verify, so a run on unchanged code rewrites identical files.
 * `npm run vectors -- --check` writes nothing and exits 1 when a file would change.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { buildVectorFiles, VECTOR_DIRECTORY, vectorFileText } from './vector-files.js';

const check = process.argv.includes('--check');
let stale = 0;
for (const [name, vectors] of Object.entries(await buildVectorFiles())) {
  const url = new URL(name, VECTOR_DIRECTORY);
  const text = vectorFileText(vectors);
  if (existsSync(url) && readFileSync(url, 'utf8') === text) continue;
  stale++;
  if (check) console.error(`docs/test-vectors/${name} is out of date: run npm run vectors`);
  else writeFileSync(url, text);
}
if (check && stale > 0) process.exit(1);
console.log(check ? 'test vectors are up to date' : `test vectors written (${stale} changed)`);
