/**
 * The end-to-end world: one real relay process, one web shell per user (each
 * with its own profile folder, all pointing at that relay), the renderer
 * built once, and Debian's Chromium with one browser context per user (its
 * own IndexedDB, sessionStorage and clipboard permission), watched for
 * console errors and CSP violations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type RelayProcess, startRelay } from '../../support/test-relay.js';
import { launchChromium } from '../../web-shell/support/chromium.js';
import { type ShellProcess, startShellProcess } from '../../web-shell/support/shell-process.js';
import { saveFailureEvidence } from './artefacts.js';
import { PageProblems } from './page-problems.js';
import { builtRenderer } from './renderer-build.js';
import { UI_TIMEOUT_MS } from './ui-expect.js';

export interface Viewport {
  readonly width: number;
  readonly height: number;
}

/** Both panes side by side (the one-pane layout starts below ~720 px wide); the size of the screenshots. */
export const SCREENSHOT_VIEWPORT: Viewport = { width: 1100, height: 720 };

export class E2eUser {
  #page: Page | null = null;
  #shell: ShellProcess;

  constructor(
    /** The name others give this user when adding them as a contact, e.g. "Alice". */
    readonly name: string,
    readonly passphrase: string,
    shell: ShellProcess,
    /** The shell's command line, to start it again on the same profile. */
    private readonly shellArgs: readonly string[],
    readonly context: BrowserContext,
    readonly problems: PageProblems,
  ) {
    this.#shell = shell;
  }

  get shell(): ShellProcess {
    return this.#shell;
  }

  /** The person started the app again another way (`npm start` once more): its new shell. */
  useShell(shell: ShellProcess): void {
    this.#shell = shell;
  }

  /** The profile folder the shell was started with (`--profile DIR`). */
  get profileDir(): string {
    const index = this.shellArgs.indexOf('--profile');
    const dir = index < 0 ? undefined : this.shellArgs[index + 1];
    if (dir === undefined) throw new Error(`${this.name}'s shell has no --profile`);
    return dir;
  }

  /**
   * Quits the app and its shell (SIGTERM: the shell locks the vault), then
   * starts the shell again on the same profile and port: the same origin,
   * so the browser's IndexedDB for it is still there. A new launch token.
   */
  async restartShell(): Promise<void> {
    await this.closeApp();
    const exited = await this.#shell.stop();
    if (exited.code !== 0) throw new Error(`${this.name}'s web shell exited with ${exited.code ?? exited.signal}`);
    this.#shell = await startShellProcess([...this.shellArgs, '--port', String(this.#shell.port)]);
  }

  get page(): Page {
    if (this.#page === null || this.#page.isClosed()) throw new Error(`${this.name} has no open page`);
    return this.#page;
  }

  get hasPage(): boolean {
    return this.#page !== null && !this.#page.isClosed();
  }

  /** Opens the app in a new tab with the shell's printed URL (the token travels in its fragment). */
  async openApp(): Promise<Page> {
    const page = await this.context.newPage();
    this.#page = page;
    const response = await page.goto(this.shell.url);
    if (response?.status() !== 200) throw new Error(`the web shell answered ${response?.status()} for ${this.name}`);
    return page;
  }

  /**
   * Quits the app: the tab closes, so its engine and its relay connection end
   * with it. The web shell (and so the unlocked vault) stays, like a desktop
   * app's key store while its window is gone.
   */
  async closeApp(): Promise<void> {
    await this.#page?.close();
    this.#page = null;
  }
}

/**
 * A person's own browser context (its own IndexedDB, sessionStorage and
 * clipboard permission for the shell's origin), watched for problems, with
 * a passphrase of their own.
 */
export async function newE2eUser(
  browser: Browser,
  name: string,
  shell: ShellProcess,
  shellArgs: readonly string[],
  viewport: Viewport = SCREENSHOT_VIEWPORT,
): Promise<E2eUser> {
  const context = await browser.newContext({ viewport, colorScheme: 'light', locale: 'en-GB', timezoneId: 'UTC' });
  // Clicks and fills wait as long as assertions do, not Playwright's default 30 s.
  context.setDefaultTimeout(UI_TIMEOUT_MS);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${shell.port}` });
  const problems = await PageProblems.watch(context, name);
  const passphrase = `${name.toLowerCase()} has a long passphrase for e2e`;
  return new E2eUser(name, passphrase, shell, shellArgs, context, problems);
}

/** A person's web shell (own profile folder under `workDir`, pointed at `relayUrl`) and browser context. */
export async function startE2eUser(
  browser: Browser,
  name: string,
  where: { readonly workDir: string; readonly rendererDir: string; readonly relayUrl: string },
  viewport: Viewport = SCREENSHOT_VIEWPORT,
): Promise<E2eUser> {
  const profileDir = join(where.workDir, name.toLowerCase());
  const shellArgs = ['--profile', profileDir, '--renderer', where.rendererDir, '--relay', where.relayUrl];
  const shell = await startShellProcess(shellArgs);
  return newE2eUser(browser, name, shell, shellArgs, viewport);
}

export interface E2eWorld {
  readonly relay: RelayProcess;
  readonly browser: Browser;
  readonly users: readonly E2eUser[];
  /** Every open page by user name, for failure evidence. */
  pages(): Map<string, Page>;
  /** Console errors, uncaught exceptions and CSP violations of every user since the last call, labelled. */
  takeProblems(): string[];
  saveFailureEvidence(testName: string): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * `viewport`: the history is virtualised (only rows near the visible part
 * are in the DOM), so a test that reads a whole long history gives the
 * window room for all of it.
 */
export async function startWorld(
  names: readonly string[],
  viewport: Viewport = SCREENSHOT_VIEWPORT,
  /** More flags for the relay, e.g. ['--registration', 'invite']. */
  relayArgs: readonly string[] = [],
): Promise<E2eWorld> {
  const workDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const cleanups: (() => Promise<unknown>)[] = [async () => rmSync(workDir, { recursive: true, force: true })];
  const dispose = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    // Launch first: a missing Chromium should fail fast with its own message.
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const [relay, rendererDir] = await Promise.all([startRelay({ args: relayArgs }), builtRenderer()]);
    cleanups.push(() => relay.dispose());
    const users = await Promise.all(
      names.map(async (name) => {
        const user = await startE2eUser(browser, name, { workDir, rendererDir, relayUrl: relay.url }, viewport);
        cleanups.push(() => user.shell.stop());
        return user;
      }),
    );
    const pages = () => new Map(users.filter((user) => user.hasPage).map((user) => [user.name, user.page] as const));
    return {
      relay,
      browser,
      users,
      pages,
      takeProblems: () => users.flatMap((user) => user.problems.take().map((problem) => `${user.name}: ${problem}`)),
      saveFailureEvidence: (testName) => saveFailureEvidence(testName, pages()),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}

export interface ThreePeople {
  world: E2eWorld;
  alice: E2eUser;
  bob: E2eUser;
  carol: E2eUser;
}

/**
 * A story of Alice, Bob and Carol on one relay: the world starts before the
 * story (the fields are set by then), every step must leave no page problem
 * (evidence saved when it fails, under `story`), and it all ends after.
 */
export function useThreePeople(story: string): ThreePeople {
  const people = {} as ThreePeople;
  beforeAll(async () => {
    people.world = await startWorld(['Alice', 'Bob', 'Carol']);
    const [alice, bob, carol] = people.world.users;
    if (alice === undefined || bob === undefined || carol === undefined) throw new Error('three users expected');
    Object.assign(people, { alice, bob, carol });
  }, 300_000);
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await people.world?.saveFailureEvidence(`${story} ${context.task.name}`);
    expect(people.world?.takeProblems() ?? []).toEqual([]);
  });
  afterAll(async () => {
    await people.world?.dispose();
  });
  return people;
}
