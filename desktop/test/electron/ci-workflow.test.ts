/**
 * .github/workflows/ci.yml cannot run here (GitHub's runners run it), so this
 * keeps it from rotting unseen: it parses, every npm script it runs exists,
 * it runs on the three desktop OSes with Node 24, the smoke test runs on the
 * smoke build after it is packed, and the artifacts it uploads are where
 * electron-builder.yml puts every installer target.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SMOKE_BUILD_DIR } from '../electron-smoke/support/app-binary.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
}
interface Workflow {
  readonly on: Record<string, unknown>;
  readonly jobs: Record<
    string,
    {
      readonly 'runs-on': string;
      readonly strategy: { readonly matrix: { readonly os: string[] } };
      readonly steps: Step[];
    }
  >;
}

function readJson(path: string): { scripts?: Record<string, string> } {
  return JSON.parse(readFileSync(join(repoRoot, path), 'utf8'));
}

const workflow = parse(readFileSync(join(repoRoot, '.github/workflows/ci.yml'), 'utf8')) as Workflow;
const builderConfig = parse(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as {
  directories: { output: string };
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
};
const rootScripts = readJson('package.json').scripts ?? {};
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);

/** Every command line of every `run:` (lines, then `&&`-separated parts), as words. */
function commands(): { step: Step; words: string[] }[] {
  return steps.flatMap((step) =>
    (step.run ?? '')
      .split('\n')
      .flatMap((line) => line.split('&&'))
      .map((part) => part.trim())
      .filter((part) => part !== '')
      .map((part) => ({ step, words: part.split(/\s+/) })),
  );
}

/** The index of the first step with a run line that is `command` (plus arguments). */
function stepIndex(command: string): number {
  return steps.findIndex((step) =>
    (step.run ?? '').split('\n').some((line) => line.trim() === command || line.trim().startsWith(`${command} `)),
  );
}

describe('.github/workflows/ci.yml', () => {
  it('runs on pushes to main and pull requests, on Linux, macOS and Windows, with Node 24', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    for (const job of Object.values(workflow.jobs)) {
      expect(job.strategy.matrix.os).toEqual(['ubuntu-latest', 'macos-latest', 'windows-latest']);
      // The runner is the matrix's OS (GitHub's expression syntax, not a template string).
      expect(job['runs-on']).toBe(['${{', 'matrix.os', '}}'].join(' '));
      const setupNode = job.steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
      expect(setupNode?.with?.['node-version']).toBe(24);
    }
  });

  it('runs only npm scripts that exist, in the workspace it names', () => {
    const npm = commands().filter(({ words }) => words[0] === 'npm');
    expect(npm.length).toBeGreaterThan(5);
    for (const { words } of npm) {
      const [, command, script] = words;
      expect(['ci', 'test', 'run', 'rebuild'], words.join(' ')).toContain(command);
      if (command !== 'run' || script === undefined) continue;
      const workspace = words.includes('-w') ? words[words.indexOf('-w') + 1] : undefined;
      const scripts = workspace === undefined ? rootScripts : (readJson(`${workspace}/package.json`).scripts ?? {});
      expect(Object.keys(scripts), `npm run ${script}${workspace ? ` -w ${workspace}` : ''}`).toContain(script);
    }
    // xvfb-run wraps an npm command: that one must exist too.
    for (const { words } of commands().filter(({ words }) => words[0] === 'xvfb-run')) {
      const script = words[words.indexOf('run', words.indexOf('npm')) + 1] ?? '';
      expect(Object.keys(rootScripts)).toContain(script);
    }
    // A Vitest project it names is one of the workspaces'.
    for (const { words } of commands().filter(({ words }) => words[1] === 'vitest' && words.includes('--project'))) {
      const project = words[words.indexOf('--project') + 1] ?? '';
      expect(readFileSync(join(repoRoot, project, 'vitest.config.ts'), 'utf8')).toContain(`name: '${project}'`);
    }
  });

  it('installs, tests, packs the smoke build, smoke-tests it, then builds the installers, in that order', () => {
    const order = [
      'npm ci',
      'npm test',
      'npm run dist:smoke',
      'npm rebuild better-sqlite3',
      'xvfb-run -a npm run test:electron-smoke',
      'npm run dist',
    ].map(stepIndex);
    expect(
      order.every((index) => index >= 0),
      `steps found at ${order.join(', ')}`,
    ).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Everything `npm test` runs, on Linux.
    expect(steps[stepIndex('npm test')]?.if).toBe("runner.os == 'Linux'");
  });

  it('packs the smoke build where the smoke test looks for it', () => {
    const output = /-c\.directories\.output=(\S+)/.exec(rootScripts['dist:smoke'] ?? '')?.[1];
    expect(output && join(repoRoot, output)).toBe(SMOKE_BUILD_DIR);
    expect(rootScripts['dist:smoke']).toContain('-c.electronFuses.enableNodeCliInspectArguments=true');
    expect(rootScripts['test:electron-smoke']).toContain('desktop/test/electron-smoke/vitest.config.ts');
  });

  it('uploads every installer target electron-builder.yml builds, from its output folder', () => {
    const upload = steps.find((step) => step.uses?.startsWith('actions/upload-artifact@'));
    const paths = String(upload?.with?.path ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '');
    const extensions: Record<string, string> = { AppImage: 'AppImage', deb: 'deb', nsis: 'exe', dmg: 'dmg' };
    const targets = [...builderConfig.linux.target, ...builderConfig.win.target, ...builderConfig.mac.target];
    expect(paths.map((path) => path.replace(/^.*\*\./, '')).sort()).toEqual(
      targets.map((target) => extensions[target]).sort(),
    );
    for (const path of paths) expect(path.startsWith(`${builderConfig.directories.output}/`), path).toBe(true);
    expect(upload?.with?.['if-no-files-found']).toBe('error');
  });
});
