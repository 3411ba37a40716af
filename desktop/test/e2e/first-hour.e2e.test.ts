/**
 * The first hour of two new users on one computer, as README.md tells them:
 * Alice runs `npm start` (a local relay and the app), Bob runs `npm start --
 * --relay URL --profile DIR` against her relay; both go through the first
 * run, add each other, compare safety numbers and chat. Then Alice's relay
 * stops under her `npm start` (the app stays and says so; what both write
 * waits), she restarts Parley (Ctrl+C, `npm start`: her open tab says the
 * back end stopped, takes the new address pasted into it, unlocks, and
 * everything waiting goes out), and Bob restarts his. On the way it takes
 * README.md's pictures (docs/screenshots), so they always show the app as it
 * is; the last step checks README shows exactly those, besides the ones
 * other stories take (support/artefacts.ts OTHER_STORIES_PICTURES).
 *
 * Differences from the README, forced by the test rules: free ports and
 * temporary data folders (PARLEY_RELAY_PORT, PARLEY_WEB_SHELL_PORT,
 * PARLEY_DATA_DIR for Alice; `--profile` for Bob as written), PARLEY_SHELL=web
 * (no Electron here) and the e2e renderer build (support/npm-start-app.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Browser } from '@playwright/test';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { freePort, type NpmRun, REPO_ROOT } from '../support/npm-run.js';
import { waitFor } from '../support/wait.js';
import { launchChromium } from '../web-shell/support/chromium.js';
import {
  OTHER_STORIES_PICTURES,
  README_SCREENSHOTS_DIR,
  readmeScreenshot,
  saveFailureEvidence,
} from './support/artefacts.js';
import { lowContrastInBothThemes } from './support/contrast.js';
import { exchangeContacts, onboard, openConversation } from './support/flows.js';
import { expectSameHistory } from './support/history.js';
import { npmStartApp } from './support/npm-start-app.js';
import { unreachableOrigin } from './support/page-problems.js';
import type { ChatView } from './support/pages/chat-view.js';
import { ContactDialog } from './support/pages/contact-dialog.js';
import { MainWindow } from './support/pages/main-window.js';
import { SettingsPanel } from './support/pages/settings-panel.js';
import { builtRenderer } from './support/renderer-build.js';
import { expectBackEndStopped, pasteNewAddress, unlockAfterRestart } from './support/restart-flows.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, newE2eUser } from './support/world.js';

/** The engine retries the relay with backoff up to 30 s (plus jitter). */
const RECONNECT_TIMEOUT_MS = 60_000;
const startedAt = Date.now();

let workDir: string;
let rendererDir: string;
let browser: Browser;
let relayUrl: string;
let aliceEnv: Record<string, string>;
let bobArgs: string[];
const runs = new Map<string, NpmRun>();
let alice: E2eUser;
let bob: E2eUser;
let aliceChat: ChatView;
let bobChat: ChatView;
/** Ends the expectation that the relay cannot be reached (while it is stopped on purpose). */
const relayAwayExpected: (() => void)[] = [];
/** docs/screenshots files this run wrote. */
const pictures = new Set<string>();

async function picture(user: E2eUser, file: string, scheme: 'light' | 'dark'): Promise<void> {
  pictures.add(basename(await readmeScreenshot(user.page, file, scheme)));
}

/** `npm start` for `name` (again): the run replaces the previous one, and the person's shell is the new one. */
async function npmStart(name: string, args: readonly string[], env: Record<string, string>) {
  const started = await npmStartApp(args, env, rendererDir);
  runs.set(name, started.run);
  return started;
}

function run(name: string): NpmRun {
  const found = runs.get(name);
  if (found === undefined) throw new Error(`${name} has no npm start running`);
  return found;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'parley-e2e-first-hour-'));
  // Launch first: a missing Chromium should fail fast with its own message.
  browser = await launchChromium();
  rendererDir = await builtRenderer();
  const relayPort = await freePort();
  relayUrl = `http://127.0.0.1:${relayPort}`;
  const aliceDir = join(workDir, 'alice');
  aliceEnv = {
    PARLEY_DATA_DIR: aliceDir,
    PARLEY_RELAY_PORT: String(relayPort),
    PARLEY_WEB_SHELL_PORT: String(await freePort()),
  };
  const aliceStart = await npmStart('Alice', [], aliceEnv);
  alice = await newE2eUser(browser, 'Alice', aliceStart.shell, ['--profile', join(aliceDir, 'profile')]);
  const bobDir = join(workDir, 'bob');
  bobArgs = ['--relay', relayUrl, '--profile', bobDir];
  const bobStart = await npmStart('Bob', bobArgs, {});
  bob = await newE2eUser(browser, 'Bob', bobStart.shell, ['--profile', join(bobDir, 'profile')]);
}, 300_000);

afterEach(async (context) => {
  const pages = new Map([alice, bob].filter((user) => user?.hasPage).map((user) => [user.name, user.page] as const));
  if (context.task.result?.state === 'fail') await saveFailureEvidence(`first-hour ${context.task.name}`, pages);
  const problems = [alice, bob].flatMap((user) => user?.problems.take().map((problem) => `${user.name}: ${problem}`));
  expect(problems).toEqual([]);
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  // Ctrl+C for each, as a person would; whatever still runs after 15 s is killed.
  await Promise.race([
    Promise.all([...runs.values()].map((started) => started.interrupt())),
    new Promise((resolve) => setTimeout(resolve, 15_000)),
  ]);
  for (const started of runs.values()) started.kill();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe('the first hour', () => {
  const step = storySteps();

  step('npm start runs a relay and the app and prints the address; the second person uses that relay', async () => {
    expect(run('Alice').output()).toContain(`parley: relay running at ${relayUrl}`);
    expect(run('Alice').output()).toContain('starting the web shell instead');
    expect(run('Bob').output()).toContain(`parley: using the relay at ${relayUrl}; no local relay started.`);
    expect(alice.shell.port).not.toBe(bob.shell.port);
  });

  step('both go through the first run: passphrase, the relay checked, their contact code', async () => {
    const [aliceCode, bobCode] = await Promise.all([
      onboard(alice, relayUrl, { atContactCode: () => picture(alice, 'onboarding-light.png', 'light') }),
      onboard(bob, relayUrl),
    ]);
    await exchangeContacts([
      { user: alice, code: aliceCode },
      { user: bob, code: bobCode },
    ]);
    [aliceChat, bobChat] = await Promise.all([openConversation(alice, bob.name), openConversation(bob, alice.name)]);
  });

  step('they compare safety numbers and mark each other verified: a shield in the list, not a tick', async () => {
    const numbers: string[] = [];
    for (const [user, chat] of [
      [alice, aliceChat],
      [bob, bobChat],
    ] as const) {
      await chat.safetyNumberButton.click();
      const contact = new ContactDialog(user.page);
      await ui(contact.safetyNumber).toHaveText(/^\d{5}( \d{5}){11}$/);
      numbers.push(((await contact.safetyNumber.textContent()) ?? '').trim());
      await contact.verified.check();
      if (user === alice) await picture(alice, 'safety-number-light.png', 'light');
      await contact.closeButton.click();
      await ui(chat.verifiedBadge).toBeVisible();
    }
    expect(numbers[0]).toBe(numbers[1]);
    const bobInList = new MainWindow(alice.page).conversation(bob.name);
    await ui(bobInList.getByTestId('verified-mark')).toBeVisible();
    await ui(bobInList).toHaveAccessibleName(/^Bob, verified/);
  });

  step('they chat; the README shows it in both themes; text, bubbles and list marks meet contrast', async () => {
    await aliceChat.write('Hi Bob! Is this the new messenger?');
    await ui(bobChat.message('Hi Bob! Is this the new messenger?')).toHaveAttribute('data-direction', 'incoming');
    await bobChat.write('Yes! And only we can read this.');
    await aliceChat.write('Even the relay only sees ciphertext.');
    await bobChat.write('And it keeps what we wrote while one of us was away.');
    await aliceChat.write('See you later!');
    for (const text of [
      'Hi Bob! Is this the new messenger?',
      'Even the relay only sees ciphertext.',
      'See you later!',
    ]) {
      await ui(aliceChat.message(text)).toHaveAttribute('data-state', 'read');
    }
    // A wider list, which the next start remembers.
    const resizer = alice.page.getByRole('separator', { name: 'Resize the conversation list' });
    await resizer.focus();
    await resizer.press('ArrowRight');
    await resizer.press('ArrowRight');
    await ui(resizer).toHaveAttribute('aria-valuenow', '352');
    await alice.page.getByRole('textbox', { name: 'Message', exact: true }).focus();
    await picture(alice, 'chat-light.png', 'light');
    await picture(alice, 'chat-dark.png', 'dark');
    expect(await lowContrastInBothThemes(alice.page, 'main window', ['message-bubble', 'verified-mark'])).toEqual([]);

    await new MainWindow(alice.page).settingsButton.click();
    const settings = new SettingsPanel(alice.page);
    await ui(settings.dialog).toBeVisible();
    await picture(alice, 'settings-dark.png', 'dark');
    await settings.closeButton.click();
    await ui(settings.dialog).toBeHidden();
  });

  step(
    'the relay under npm start stops: the app stays, says the relay stopped, and what both write waits',
    async () => {
      for (const user of [alice, bob]) relayAwayExpected.push(user.problems.expect(unreachableOrigin(relayUrl)));
      const [relayPid, ...others] = run('Alice').pidsRunning('parley-relay.mjs');
      expect(others).toEqual([]);
      if (relayPid === undefined) throw new Error('no relay in npm start');
      process.kill(relayPid, 'SIGTERM');
      await waitFor('npm start to say the relay stopped', () => run('Alice').output().includes('the relay stopped'));
      expect(run('Alice').output()).toContain('parley: the relay stopped (exit 0). The app keeps running');

      const stopped = `The relay at ${new URL(relayUrl).host} stopped`;
      const fromAlice = ['Are you still there?', 'The relay seems to be down'];
      for (const text of fromAlice) await aliceChat.write(text);
      await bobChat.write('Mine waits too');
      expect(await aliceChat.outgoingStates(fromAlice)).toEqual(['sending', 'sending']);
      const aliceBanner = new MainWindow(alice.page).connectionBanner;
      await ui(aliceBanner).toHaveText(`${stopped} — 2 messages will send when it's back`, {
        timeout: RECONNECT_TIMEOUT_MS,
      });
      await ui(new MainWindow(bob.page).connectionBanner).toHaveText(
        `${stopped} — 1 message will send when it's back`,
        {
          timeout: RECONNECT_TIMEOUT_MS,
        },
      );
      await picture(alice, 'offline-light.png', 'light');
    },
  );

  step(
    'Alice restarts Parley: her tab says the back end stopped, takes the new address, unlocks; all goes out',
    async () => {
      // While it is down, the tab's reconnection attempts are refused (the browser reports each).
      const shellAway = alice.problems.expect(unreachableOrigin(`http://127.0.0.1:${alice.shell.port}`));
      // Ctrl+C, as the relay's message said, then npm start again.
      const exit = await run('Alice').interrupt();
      expect([0, 130].includes(exit.code ?? -1) || exit.signal === 'SIGINT').toBe(true);
      await expectBackEndStopped(alice.page, Date.now());
      await picture(alice, 'restart-light.png', 'light');

      const again = await npmStart('Alice', [], aliceEnv);
      expect(again.shell.port).toBe(alice.shell.port);
      expect(again.run.output()).toContain(`parley: relay running at ${relayUrl}`);
      alice.useShell(again.shell);
      const unlock = await pasteNewAddress(alice.page, again.shell.url);
      await picture(alice, 'unlock-light.png', 'light');
      await unlockAfterRestart(alice, unlock);
      shellAway();
      // The list is as wide as she left it.
      await ui(alice.page.getByRole('separator', { name: 'Resize the conversation list' })).toHaveAttribute(
        'aria-valuenow',
        '352',
      );

      aliceChat = await openConversation(alice, bob.name);
      await ui(aliceChat.message('Mine waits too')).toHaveCount(1, { timeout: RECONNECT_TIMEOUT_MS });
      const waited = ['Are you still there?', 'The relay seems to be down'];
      for (const text of waited) {
        await ui(aliceChat.message(text)).toHaveAttribute('data-state', 'read', { timeout: RECONNECT_TIMEOUT_MS });
      }
      await ui(bobChat.message('Mine waits too')).toHaveAttribute('data-state', 'read', {
        timeout: RECONNECT_TIMEOUT_MS,
      });
      await ui(new MainWindow(bob.page).connectionBanner).toBeHidden({ timeout: RECONNECT_TIMEOUT_MS });
      for (const stop of relayAwayExpected.splice(0)) stop();
      await expectSameHistory(aliceChat, bobChat);
    },
  );

  step('Bob restarts Parley: the same address, his tab unlocks, the title counts what came meanwhile', async () => {
    const port = bob.shell.port;
    const shellAway = bob.problems.expect(unreachableOrigin(`http://127.0.0.1:${port}`));
    await run('Bob').interrupt();
    await expectBackEndStopped(bob.page, Date.now());
    await aliceChat.write('Welcome back, Bob');

    const again = await npmStart('Bob', bobArgs, {});
    // His folder keeps his port, so his page's origin (and history) stays the same.
    expect(again.shell.port).toBe(port);
    bob.useShell(again.shell);
    await unlockAfterRestart(bob, await pasteNewAddress(bob.page, again.shell.url));
    shellAway();
    await ui(new MainWindow(bob.page).unreadCount(alice.name)).toHaveText('1', { timeout: RECONNECT_TIMEOUT_MS });
    await ui.poll(() => bob.page.title()).toBe('(1) Parley');
    bobChat = await openConversation(bob, alice.name);
    await ui(bobChat.message('Welcome back, Bob')).toHaveCount(1);
    await ui.poll(() => bob.page.title()).toBe('Parley');
    await bobChat.write('Back after a restart.');
    await ui(aliceChat.message('Back after a restart.')).toHaveCount(1, { timeout: RECONNECT_TIMEOUT_MS });
    await expectSameHistory(aliceChat, bobChat);
  });

  step(
    "README.md shows exactly the pictures this story took (and other stories' own), and they are this run's",
    async () => {
      const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
      const shown = new Set([...readme.matchAll(/docs\/screenshots\/([\w-]+\.png)/g)].map((match) => match[1]));
      // Pictures another story takes (and checks) are README's too; no file is both.
      const others = Object.keys(OTHER_STORIES_PICTURES);
      expect(others.filter((file) => pictures.has(file))).toEqual([]);
      const expected = [...pictures, ...others].sort();
      expect([...shown].sort()).toEqual(expected);
      expect(readdirSync(README_SCREENSHOTS_DIR).sort()).toEqual(expected);
      for (const file of pictures) {
        expect(statSync(join(README_SCREENSHOTS_DIR, file)).mtimeMs).toBeGreaterThanOrEqual(startedAt);
      }
    },
  );
});
