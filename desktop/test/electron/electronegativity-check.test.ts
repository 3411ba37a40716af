/**
 * `npm run check:electron` (scripts/check-electron.mjs), the Electronegativity
 * step of `npm test`: on an insecure main process it exits 1 with one line
 * per unjustified finding; a justification that no longer matches a finding,
 * or one without a reason, fails it too. (The repository's own sources pass
 * it in `npm test` itself.)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const repoConfig = join(repoRoot, 'desktop/electronegativity.json');
const preload = join(repoRoot, 'desktop/src/preload/preload.cts');
const work = mkdtempSync(join(tmpdir(), 'parley-electronegativity-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * A main process that turns Node on in the page and isolation off. (With
 * `sandbox: false` beside them, Electronegativity 1.10 reports no
 * NODE_INTEGRATION finding at all: the sandbox finding stands in for it.)
 */
const INSECURE_MAIN = `import { BrowserWindow } from 'electron';
export function openWindow(): BrowserWindow {
  return new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });
}
`;

function mainDir(name: string, source: string): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'main.ts'), source);
  return dir;
}

function check(config: string, main: string) {
  const result = spawnSync(
    process.execPath,
    ['scripts/check-electron.mjs', '--config', config, '--main', main, '--preload', preload],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );
  const problems = result.stderr.split('\n').filter((line) => line.startsWith('check:electron: '));
  return { status: result.status, problems };
}

describe('npm run check:electron', () => {
  it('fails on an insecure window, one line per finding, naming the check and the line', () => {
    const { status, problems } = check(repoConfig, mainDir('insecure', INSECURE_MAIN));
    expect(status).toBe(1);
    expect(problems).toEqual(
      expect.arrayContaining([
        // Reported as INFORMATIONAL: the check runs at every severity, so it still fails.
        expect.stringMatching(/^check:electron: NODE_INTEGRATION_JS_CHECK \(\w+, \w+\) at main\/main\.ts:3: /),
        expect.stringMatching(/^check:electron: CONTEXT_ISOLATION_JS_CHECK \(HIGH, \w+\) at main\/main\.ts:3: /),
        expect.stringMatching(/^check:electron: SANDBOX_JS_CHECK \(\w+, \w+\) at main\/main\.ts:3: /),
        // No will-navigate handler at all.
        expect.stringMatching(/^check:electron: LIMIT_NAVIGATION_GLOBAL_CHECK \(HIGH, CERTAIN\) at the app as a whole/),
      ]),
    );
    // The repository's justifications name code this main does not have: each is reported as stale.
    expect(problems).toContain(
      'check:electron: stale justification: OPEN_EXTERNAL_JS_CHECK in main/window.ts matches no finding any more; remove it',
    );
    expect(problems.at(-1)).toMatch(/^check:electron: \d+ problem\(s\); fix the code, or justify a finding in/);
  });

  it('accepts a finding only with a reason, and only where its code matches', () => {
    const settings = {
      excludedChecks: [],
      justified: [
        { check: 'NODE_INTEGRATION_JS_CHECK', file: 'main/main.ts', code: 'new BrowserWindow({', why: 'too short' },
        {
          check: 'CONTEXT_ISOLATION_JS_CHECK',
          file: 'main/main.ts',
          code: 'new BrowserWindow(somethingElse',
          why: 'a reason of a decent length that names code the finding does not have',
        },
      ],
    };
    const config = join(work, 'short-reason.json');
    writeFileSync(config, JSON.stringify(settings));
    const { status, problems } = check(config, mainDir('insecure-2', INSECURE_MAIN));
    expect(status).toBe(1);
    expect(problems).toContain(
      `check:electron: ${config}: NODE_INTEGRATION_JS_CHECK has no reason ("why") worth the name`,
    );
    expect(problems.some((line) => line.includes('NODE_INTEGRATION_JS_CHECK (HIGH'))).toBe(false);
    expect(problems.some((line) => line.startsWith('check:electron: CONTEXT_ISOLATION_JS_CHECK (HIGH'))).toBe(true);
    expect(problems).toContain(
      'check:electron: stale justification: CONTEXT_ISOLATION_JS_CHECK in main/main.ts matches no finding any more; remove it',
    );
  });

  it('reads every check of the repository configuration with a reason', () => {
    const settings = JSON.parse(readFileSync(repoConfig, 'utf8')) as {
      excludedChecks: { check: string; why: string }[];
      justified: { check: string; file: string; why: string }[];
    };
    expect(settings.excludedChecks.map((entry) => entry.check)).toEqual(['AvailableSecurityFixesGlobalCheck']);
    for (const entry of [...settings.excludedChecks, ...settings.justified])
      expect(entry.why.length).toBeGreaterThan(40);
  });
});
