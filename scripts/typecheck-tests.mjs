// Typechecks each workspace's tests (and benches) against the sources, which
// `tsc -b` does not cover: test projects resolve packages through the
// "source" export condition and emit nothing, so they sit outside the build.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const projects = ['crypto-core/test', 'relay-server/test', 'desktop/test', 'desktop/src/renderer'].filter((dir) =>
  existsSync(`${dir}/tsconfig.json`),
);
for (const project of projects) {
  const result = spawnSync('npx', ['tsc', '-p', project], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`typecheck failed in ${project}`);
    process.exit(result.status ?? 1);
  }
}
