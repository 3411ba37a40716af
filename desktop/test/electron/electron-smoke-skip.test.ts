/**
 * The Electron smoke test (desktop/test/electron-smoke/) cannot run here: no
 * Electron runtime can be installed. What can be checked is how it decides:
 * which executable it would launch on each OS, and that without one it skips
 * with one line saying why (exit 0), or fails when CI requires it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findAppBinary, packagedExecutables } from '../electron-smoke/support/app-binary.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'parley-smoke-skip-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runSmoke(env: Record<string, string>) {
  return spawnSync('npx', ['vitest', 'run', '--config', 'desktop/test/electron-smoke/vitest.config.ts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 90_000,
  });
}

describe('the Electron smoke test, where no Electron can run', () => {
  it('looks for electron-builder dir output under each OS name', () => {
    expect(packagedExecutables('/b', 'linux')).toEqual(['/b/linux-unpacked/parley']);
    expect(packagedExecutables('/b', 'win32')).toEqual([join('/b', 'win-unpacked', 'Parley.exe')]);
    expect(packagedExecutables('/b', 'darwin')).toContain('/b/mac-arm64/Parley.app/Contents/MacOS/Parley');
  });

  it('launches PARLEY_SMOKE_APP as it is when it exists, and names it when it does not', () => {
    const app = join(work, 'Parley');
    writeFileSync(app, '');
    expect(findAppBinary({ PARLEY_SMOKE_APP: app }, 'linux')).toMatchObject({ executablePath: app, appArgs: [] });
    expect(findAppBinary({ PARLEY_SMOKE_APP: join(work, 'missing') }, 'linux')).toEqual({
      skipReason: `PARLEY_SMOKE_APP=${join(work, 'missing')} does not exist`,
    });
  });

  it('skips with one line saying why (exit 0), and fails instead under PARLEY_SMOKE_REQUIRED=1', () => {
    const missing = join(work, 'no-app');
    // CI's job sets PARLEY_SMOKE_REQUIRED=1 for the real smoke run; this run is about the skip.
    const skipped = runSmoke({ PARLEY_SMOKE_APP: missing, PARLEY_SMOKE_REQUIRED: '' });
    expect(skipped.status, skipped.stderr).toBe(0);
    const lines = `${skipped.stdout}\n${skipped.stderr}`.split('\n').filter((line) => line.includes('skipped:'));
    expect(lines).toEqual([`electron smoke test skipped: PARLEY_SMOKE_APP=${missing} does not exist`]);

    const required = runSmoke({ PARLEY_SMOKE_APP: missing, PARLEY_SMOKE_REQUIRED: '1' });
    expect(required.status).not.toBe(0);
    expect(`${required.stdout}\n${required.stderr}`).toContain(
      `PARLEY_SMOKE_REQUIRED=1 but PARLEY_SMOKE_APP=${missing} does not exist`,
    );
  });
});
