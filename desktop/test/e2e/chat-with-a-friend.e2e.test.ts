/**
 * README's "Chat with a friend", with its commands run as written, on one
 * machine: one person runs a relay others can reach (`npm run relay --
 * --public-url ...`, invite-only as a relay beyond loopback is by default)
 * and makes invite codes (`npm run relay -- invite`); each person starts the
 * app against it (`npm start -- --relay URL --profile DIR`, so no local
 * relay starts), goes through the first run with their code, and the two
 * exchange contact codes and a message each way, through the UI only.
 *
 * Differences from the README, forced by one machine and the test rules:
 * the relay listens on 127.0.0.1 with a free port (not --host 0.0.0.0 on a
 * LAN address), so `--registration invite` says explicitly what a LAN relay
 * gets by default; PARLEY_SHELL=web (no Electron here) and
 * PARLEY_RENDERER_DIR (the e2e tests' shared renderer build), both set by
 * support/npm-start-app.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { freePort, type NpmRun, npmRun, REPO_ROOT } from '../support/npm-run.js';
import { waitFor } from '../support/wait.js';
import { launchChromium } from '../web-shell/support/chromium.js';
import type { ShellProcess } from '../web-shell/support/shell-process.js';
import { saveFailureEvidence } from './support/artefacts.js';
import { exchangeContacts, onboard, openConversation } from './support/flows.js';
import { expectSameHistory } from './support/history.js';
import { npmStartApp } from './support/npm-start-app.js';
import type { ChatView } from './support/pages/chat-view.js';
import { builtRenderer } from './support/renderer-build.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, newE2eUser } from './support/world.js';

const INVITE_CODE = /^[a-z2-7]{5}(?:-[a-z2-7]{5}){3}$/;

let workDir: string;
let browser: Browser;
let relayUrl: string;
let inviteCodes: string[];
const runs: NpmRun[] = [];
const users: E2eUser[] = [];

/** `npm run relay -- ...` with the README's flags, on a free port; resolves once it logs that it listens. */
async function runRelay(dataDir: string): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const relay = npmRun([
    'run',
    'relay',
    '--',
    '--public-url',
    url,
    '--port',
    String(port),
    '--registration',
    'invite',
    '--data-dir',
    dataDir,
  ]);
  runs.push(relay);
  await waitFor(
    'the relay to listen',
    () => {
      if (relay.child.exitCode !== null) throw new Error(`the relay exited:\n${relay.output()}`);
      return relay.output().includes(`"url":"${url}"`) && relay.output().includes('"registration":"invite"');
    },
    60_000,
  );
  return url;
}

/** `npm run relay -- invite --count N` with the relay's options, while it runs: the codes it printed. */
function makeInviteCodes(dataDir: string, count: number): string[] {
  const args = ['invite', '--count', String(count), '--registration', 'invite', '--data-dir', dataDir];
  const made = spawnSync('npm', ['run', 'relay', '--', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(made.status, made.stderr).toBe(0);
  // Given the relay's options, it knows the relay is invite-only and has nothing to warn about.
  expect(made.stderr).not.toContain('Note:');
  return made.stdout.split('\n').filter((line) => INVITE_CODE.test(line));
}

/** `npm start -- --relay URL --profile DIR` in the web shell: the shell as the e2e helpers know it. */
async function startApp(profileDir: string, rendererDir: string): Promise<ShellProcess> {
  const { run, shell } = await npmStartApp(['--relay', relayUrl, '--profile', profileDir], {}, rendererDir);
  runs.push(run);
  return shell;
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'parley-e2e-friend-'));
  // Launch first: a missing Chromium should fail fast with its own message.
  browser = await launchChromium();
  const relayDir = join(workDir, 'relay');
  const [url, rendererDir] = await Promise.all([runRelay(relayDir), builtRenderer()]);
  relayUrl = url;
  inviteCodes = makeInviteCodes(relayDir, 2);
  for (const name of ['Alice', 'Bob']) {
    const profileDir = join(workDir, name.toLowerCase());
    const shell = await startApp(profileDir, rendererDir);
    users.push(await newE2eUser(browser, name, shell, ['--profile', profileDir]));
  }
}, 300_000);

afterEach(async (context) => {
  const pages = new Map(users.filter((user) => user.hasPage).map((user) => [user.name, user.page] as const));
  if (context.task.result?.state === 'fail')
    await saveFailureEvidence(`chat-with-a-friend ${context.task.name}`, pages);
  expect(users.flatMap((user) => user.problems.take().map((problem) => `${user.name}: ${problem}`))).toEqual([]);
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  // Ctrl+C for each, as a person would; whatever still runs after 15 s is killed.
  await Promise.race([
    Promise.all(runs.map((run) => run.interrupt())),
    new Promise((resolve) => setTimeout(resolve, 15_000)),
  ]);
  for (const run of runs) run.kill();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 60_000);

describe("README's Chat with a friend", () => {
  const step = storySteps();
  let aliceChat: ChatView;
  let bobChat: ChatView;

  step('each starts the app against the relay, which starts no relay of its own', async () => {
    expect(inviteCodes).toHaveLength(2);
    for (const run of runs.slice(1)) {
      expect(run.output()).toContain(`parley: using the relay at ${relayUrl}; no local relay started.`);
      expect(run.output()).not.toContain('relay running');
    }
    for (const user of users) expect(existsSync(join(user.profileDir, 'relay'))).toBe(false);
    // Each person's web shell has a port of its own, kept in their folder.
    expect(new Set(users.map((user) => user.shell.port)).size).toBe(2);
  });

  step('each goes through the first run: relay URL prefilled and checked, the invite code entered', async () => {
    const [alice, bob] = users as [E2eUser, E2eUser];
    const [aliceInvite = '', bobInvite = ''] = inviteCodes;
    const [aliceCode, bobCode] = await Promise.all([
      onboard(alice, relayUrl, { inviteCode: aliceInvite }),
      onboard(bob, relayUrl, { inviteCode: bobInvite }),
    ]);
    await exchangeContacts([
      { user: alice, code: aliceCode },
      { user: bob, code: bobCode },
    ]);
    [aliceChat, bobChat] = await Promise.all([openConversation(alice, bob.name), openConversation(bob, alice.name)]);
  });

  step('they write to each other, both ways', async () => {
    await aliceChat.write('Hi Bob, it works across two apps!');
    await ui(bobChat.message('Hi Bob, it works across two apps!')).toHaveAttribute('data-direction', 'incoming');
    await bobChat.write('Hi Alice, loud and clear.');
    await ui(aliceChat.message('Hi Alice, loud and clear.')).toHaveAttribute('data-direction', 'incoming');
    await ui(aliceChat.message('Hi Bob, it works across two apps!')).toHaveAttribute('data-state', 'read');
    await ui(bobChat.message('Hi Alice, loud and clear.')).toHaveAttribute('data-state', 'read');
    await expectSameHistory(aliceChat, bobChat);
  });
});
