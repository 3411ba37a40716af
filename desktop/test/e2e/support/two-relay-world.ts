/**
 * The end-to-end world across relays: two relay processes on 127.0.0.1
 * (different ports, data folders and trust roots), each user's web shell
 * pointed at their own home relay, one Chromium with a context per user.
 * Either relay can be stopped and started again on its port and data.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { type RelayProcess, startRelay } from '../../support/test-relay.js';
import { launchChromium } from '../../web-shell/support/chromium.js';
import { saveFailureEvidence } from './artefacts.js';
import { builtRenderer } from './renderer-build.js';
import { type E2eUser, startE2eUser } from './world.js';

export interface TwoRelayWorld {
  readonly relays: readonly [RelayProcess, RelayProcess];
  readonly browser: Browser;
  readonly users: readonly E2eUser[];
  /** The home relay of each user. */
  homeOf(user: E2eUser): RelayProcess;
  takeProblems(): string[];
  saveFailureEvidence(testName: string): Promise<void>;
  dispose(): Promise<void>;
}

/** `homes[i]` (0 or 1) is the relay `names[i]` lives on. */
export async function startTwoRelayWorld(names: readonly string[], homes: readonly (0 | 1)[]): Promise<TwoRelayWorld> {
  const workDir = mkdtempSync(join(tmpdir(), 'parley-e2e-relays-'));
  const cleanups: (() => Promise<unknown>)[] = [async () => rmSync(workDir, { recursive: true, force: true })];
  const dispose = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const [first, second, rendererDir] = await Promise.all([startRelay(), startRelay(), builtRenderer()]);
    cleanups.push(
      () => first.dispose(),
      () => second.dispose(),
    );
    const relays = [first, second] as const;
    const homes_ = new Map<E2eUser, RelayProcess>();
    const users = await Promise.all(
      names.map(async (name, index) => {
        const home = relays[homes[index] ?? 0];
        const user = await startE2eUser(browser, name, { workDir, rendererDir, relayUrl: home.url });
        cleanups.push(() => user.shell.stop());
        homes_.set(user, home);
        return user;
      }),
    );
    const pages = () =>
      new Map<string, Page>(users.filter((user) => user.hasPage).map((user) => [user.name, user.page] as const));
    return {
      relays,
      browser,
      users,
      homeOf: (user) => {
        const home = homes_.get(user);
        if (home === undefined) throw new Error(`${user.name} has no home relay`);
        return home;
      },
      takeProblems: () => users.flatMap((user) => user.problems.take().map((problem) => `${user.name}: ${problem}`)),
      saveFailureEvidence: (testName) => saveFailureEvidence(testName, pages()),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
