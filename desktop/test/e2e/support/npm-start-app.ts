/**
 * `npm start` as the README has people run it, through npm from the
 * repository root, in the web shell (no Electron here): the run, and its web
 * shell in the shape the other e2e helpers know (URL, port, token; `stop` is
 * Ctrl+C for the whole `npm start`).
 */
import { NPM_START_URL_LINE, type NpmRun, npmRun } from '../../support/npm-run.js';
import { waitFor } from '../../support/wait.js';
import type { ShellProcess } from '../../web-shell/support/shell-process.js';

export interface NpmStartedApp {
  readonly run: NpmRun;
  readonly shell: ShellProcess;
}

/**
 * Runs `npm start -- <args>` with `env` added (PARLEY_SHELL=web, and the e2e
 * renderer build, always) and waits for the URL it prints. Only output from
 * this run counts: an earlier run's lines are not in it.
 */
export async function npmStartApp(
  args: readonly string[],
  env: Record<string, string>,
  rendererDir: string,
): Promise<NpmStartedApp> {
  const run = npmRun(args.length === 0 ? ['start'] : ['start', '--', ...args], {
    PARLEY_SHELL: 'web',
    PARLEY_RENDERER_DIR: rendererDir,
    ...env,
  });
  const match = await waitFor(
    'the URL line of npm start',
    () => {
      if (run.child.exitCode !== null) throw new Error(`npm start exited:\n${run.output()}`);
      return NPM_START_URL_LINE.exec(run.output());
    },
    90_000,
  ).catch((error: unknown) => {
    run.kill();
    throw error;
  });
  const [, url = '', port = '', token = ''] = match;
  const shell: ShellProcess = {
    child: run.child,
    url,
    port: Number(port),
    token,
    exited: run.exited,
    stdout: run.output,
    stderr: run.output,
    stop: run.interrupt,
  };
  return { run, shell };
}
