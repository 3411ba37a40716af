/**
 * The committed conformance vectors (docs/test-vectors/) are what the code
 * produces now: no vector was edited by hand, none is missing after a change
 * to the generator, and a change to the code that moves a vector fails here
 * until `npm run vectors` is run and the new files are committed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildVectorFiles, VECTOR_DIRECTORY, vectorFileText } from '../vectors/vector-files.js';

describe('committed conformance vectors', () => {
  it('equal what the generator builds from the code', async () => {
    const files = await buildVectorFiles();
    expect(Object.keys(files).length).toBeGreaterThan(0);
    for (const [name, vectors] of Object.entries(files)) {
      const committed = readFileSync(new URL(name, VECTOR_DIRECTORY), 'utf8');
      expect(committed, `docs/test-vectors/${name}: run npm run vectors`).toBe(vectorFileText(vectors));
    }
  });
});
