/**
 * `npm run dist:dir` on a machine that cannot download Electron (here: an
 * empty download cache and a mirror on a closed local port) says so in one
 * line within seconds, before building anything, and says what to do. The
 * preflight lets the build go on when electronDist is given or the zip of
 * this Electron version is in the cache.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'parley-dist-preflight-'));
const electronVersion = (
  JSON.parse(readFileSync(join(repoRoot, 'node_modules/electron/package.json'), 'utf8')) as { version: string }
).version;

afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[], cache: string) {
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    // Port 9 (discard) on loopback: nothing listens, the download is refused at once.
    env: { ...process.env, ELECTRON_CACHE: cache, ELECTRON_MIRROR: 'http://127.0.0.1:9/' },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

describe('npm run dist:dir without a way to get Electron', () => {
  it('stops in one line, before building, saying to use a machine with internet or -c.electronDist=DIR', () => {
    const emptyCache = join(work, 'empty-cache');
    mkdirSync(emptyCache);
    const result = run('npm', ['run', 'dist:dir'], emptyCache);
    expect(result.status).toBe(1);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('parley:'))).toEqual([
      `parley: electron-builder needs Electron ${electronVersion} (electron-v${electronVersion}-${process.platform}-${process.arch}.zip) ` +
        'and cannot download it from http://127.0.0.1:9: run this on a machine with internet access once (the zip is cached), ' +
        'or pass an unpacked Electron with `npm run dist:dir -- -c.electronDist=DIR`',
    ]);
    // Nothing was built: `npm run build -w desktop` would have printed its own npm banner.
    expect(result.stdout).not.toContain('build -w desktop');
    expect(result.stdout).not.toContain('tsc');
    expect(result.ms).toBeLessThan(30_000);
  });

  it('names an electronDist folder that does not exist', () => {
    const result = run('npm', ['run', 'dist:dir', '--', '-c.electronDist=no/such/folder'], join(work, 'empty-cache'));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('-c.electronDist=no/such/folder: there is no folder');
  });
});

describe('the preflight', () => {
  const preflight = join(repoRoot, 'scripts/electron-preflight.mjs');

  it('lets the build go on when electronDist is an existing folder', () => {
    const dist = join(work, 'electron-dist');
    mkdirSync(dist);
    const result = run(process.execPath, [preflight, '--dir', `-c.electronDist=${dist}`], join(work, 'empty-cache'));
    expect(result).toMatchObject({ status: 0, stderr: '' });
  });

  it("lets the build go on when this Electron's zip is in the download cache", () => {
    const cache = join(work, 'cache');
    mkdirSync(join(cache, 'a1b2c3'), { recursive: true });
    writeFileSync(join(cache, 'a1b2c3', `electron-v${electronVersion}-${process.platform}-${process.arch}.zip`), '');
    const result = run(process.execPath, [preflight, '--dir'], cache);
    expect(result).toMatchObject({ status: 0, stderr: '' });
  });
});
