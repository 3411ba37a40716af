/**
 * Builds the renderer with the package's own script (`npm run
 * build:renderer`), into a folder of the test's choosing so that tests never
 * overwrite, or race on, desktop/dist/renderer.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DESKTOP_DIR } from './shell-process.js';

export async function buildRenderer(outDir: string): Promise<void> {
  const child = spawn(
    'npm',
    ['run', '-s', 'build:renderer', '--', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: DESKTOP_DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0 || !existsSync(join(outDir, 'index.html'))) {
    throw new Error(`npm run build:renderer failed (exit ${code}):\n${output}`);
  }
}
