/**
 * The UI bench page (src/renderer/bench/ui) served as the app is: a relay
 * process, the renderer built into a temporary folder, the web shell CLI on
 * a fresh passphrase profile, and Debian's Chromium on the page, ready once
 * `window.parleyUiBench` exists. Shared by bench/ui-bench.ts and the chat
 * view's browser test. `dispose` undoes everything, newest first.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { type RelayProcess, startRelay } from '../../support/test-relay.js';
import { buildRenderer } from '../../web-shell/support/build-renderer.js';
import { launchChromium } from '../../web-shell/support/chromium.js';
import { type ShellProcess, startShellProcess } from '../../web-shell/support/shell-process.js';

export interface UiBenchSession {
  readonly relay: RelayProcess;
  readonly shell: ShellProcess;
  readonly browser: Browser;
  readonly page: Page;
  dispose(): Promise<void>;
}

export interface UiBenchSessionOptions {
  readonly viewport: { readonly width: number; readonly height: number };
  /** A renderer built beforehand; default: build one now. */
  readonly rendererDir?: string;
  /** Called with the page before it loads (listeners for console errors and the like). */
  readonly onPage?: (page: Page) => void;
}

export async function startUiBenchSession(options: UiBenchSessionOptions): Promise<UiBenchSession> {
  const undo: (() => Promise<unknown>)[] = [];
  const dispose = async () => {
    for (let step = undo.pop(); step !== undefined; step = undo.pop()) {
      try {
        await Promise.race([step(), new Promise((resolve) => setTimeout(resolve, 15_000))]);
      } catch (error) {
        console.error('ui bench session cleanup failed:', error);
      }
    }
  };
  try {
    const workDir = await mkdtemp(join(tmpdir(), 'parley-ui-bench-'));
    undo.push(() => rm(workDir, { recursive: true, force: true }));
    const rendererDir = options.rendererDir ?? join(workDir, 'renderer');
    const browser = await launchChromium();
    undo.push(() => browser.close());
    const [relay] = await Promise.all([
      startRelay(),
      options.rendererDir === undefined ? buildRenderer(rendererDir) : Promise.resolve(),
    ]);
    undo.push(() => relay.dispose());
    const profile = join(workDir, 'profile');
    const shell = await startShellProcess([
      '--profile',
      profile,
      '--port',
      '0',
      '--relay',
      relay.url,
      '--renderer',
      rendererDir,
    ]);
    undo.push(async () => {
      const killer = setTimeout(() => shell.child.kill('SIGKILL'), 10_000);
      await shell.stop();
      clearTimeout(killer);
    });
    const page = await browser.newPage({ viewport: { ...options.viewport } });
    options.onPage?.(page);
    await page.goto(`http://127.0.0.1:${shell.port}/bench/ui/index.html#token=${shell.token}`);
    await page.waitForFunction(() => window.parleyUiBench !== undefined, undefined, { timeout: 30_000 });
    return { relay, shell, browser, page, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
