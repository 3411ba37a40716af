// `npm run dist` / `npm run dist:dir`: checks first that electron-builder can
// get Electron (electron-preflight.mjs, a few seconds at most), then builds
// the desktop app and runs electron-builder with the repository's config and
// the arguments given (`npm run dist:dir -- -c.electronDist=DIR`).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronDistProblem } from './electron-preflight.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

const problem = await electronDistProblem(args);
if (problem !== null) {
  console.error(`parley: ${problem}`);
  process.exit(1);
}
const shell = process.platform === 'win32';
for (const [command, commandArgs] of [
  ['npm', ['run', 'build', '-w', 'desktop']],
  ['npx', ['electron-builder', '--config', 'electron-builder.yml', ...args]],
]) {
  const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', shell });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
