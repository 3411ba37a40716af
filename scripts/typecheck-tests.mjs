// Typechecks each workspace's tests (and benches) against the sources, which
// `tsc -b` does not cover: test projects resolve packages through the
// "source" export condition and emit nothing, so they sit outside the build.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const projects = ['crypto-core/test', 'relay-server/test', 'desktop/test'].filter((dir) =>
  existsSync(`${dir}/tsconfig.json`),
);
for (const project of projects) {
  const result = spawnSync('npx', ['tsc', '-p', project], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`typecheck failed in ${project}`);
    process.exit(result.status ?? 1);
  }
}

// The renderer (engine, transports, Svelte app) under the DOM lib: svelte-check
// covers its .ts, .svelte.ts (runes) and .svelte files alike, which tsc cannot.
const renderer = spawnSync(
  'npx',
  ['svelte-check', '--tsconfig', 'desktop/src/renderer/tsconfig.json', '--output', 'human'],
  { stdio: 'inherit' },
);
if (renderer.status !== 0) {
  console.error('typecheck failed in desktop/src/renderer (svelte-check)');
  process.exit(renderer.status ?? 1);
}
