/**
 * One identity, one active install (docs/protocol.md §3.1), through the UI of
 * two web shells and a third person's: Alice talks with Carol; Alice exports
 * a backup; a second computer restores it while Alice's first app still
 * runs. The first app says, in place of the connection bar and of the
 * composer, that the identity was restored on another computer, and no longer
 * says Online; Carol's messages reach the restored app (and turn delivered),
 * never the first one. "Remove this copy" then works: the first app is back
 * at the first-run screen, the restored one untouched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { screenshotBothThemes } from './support/artefacts.js';
import { type ExportedBackup, exportBackupInSettings, restoreBackupOnFirstRun } from './support/backup-flows.js';
import { lowContrastInBothThemes } from './support/contrast.js';
import { exchangeContacts, onboard, openConversation } from './support/flows.js';
import { ChatView } from './support/pages/chat-view.js';
import { MainWindow } from './support/pages/main-window.js';
import { OnboardingScreen } from './support/pages/onboarding.js';
import { SettingsPanel } from './support/pages/settings-panel.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, startWorld } from './support/world.js';

// The web shells (children of this process) write backups into their profile folders; a home of
// its own for this process all the same, so nothing here can reach the user's ~/Parley Backups.
const home = mkdtempSync(join(tmpdir(), 'parley-takeover-home-'));
process.env.HOME = home;

const TAKEN_OVER =
  /^\s*This identity was restored on another computer, so this copy no longer sends or receives; .*restore a backup\.\s*$/;

let world: E2eWorld;
let alice: E2eUser;
let carol: E2eUser;
let restored: E2eUser;
let backup: ExportedBackup;

beforeAll(async () => {
  world = await startWorld(['Alice', 'Carol', 'Restored']);
  const [first, second, third] = world.users;
  if (first === undefined || second === undefined || third === undefined) throw new Error('three users expected');
  [alice, carol, restored] = [first, second, third];
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await world?.saveFailureEvidence(`takeover ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('a backup restored on another computer takes the identity over', () => {
  const step = storySteps();

  step('Alice and Carol talk, and Alice exports a backup', async () => {
    const [aliceCode, carolCode] = await Promise.all([
      onboard(alice, world.relay.url),
      onboard(carol, world.relay.url),
    ]);
    await exchangeContacts([
      { user: alice, code: aliceCode },
      { user: carol, code: carolCode },
    ]);
    const aliceChat = await openConversation(alice, 'Carol');
    await aliceChat.write('Hello Carol');
    const carolChat = await openConversation(carol, 'Alice');
    await ui(carolChat.message('Hello Carol')).toHaveCount(1);
    await carolChat.write('Hello Alice');
    await ui(aliceChat.message('Hello Alice')).toHaveCount(1);
    backup = await exportBackupInSettings(alice);
    await ui(new MainWindow(alice.page).connectionStatus).toHaveText(/^Online/);
  });

  step("a second computer restores it while Alice's first app still runs", async () => {
    const main = await restoreBackupOnFirstRun(restored, backup);
    await ui(main.connectionStatus).toHaveText(/^Online/, { timeout: 30_000 });
  });

  step('the first app says the identity was restored elsewhere, where the bar and the composer were', async () => {
    const main = new MainWindow(alice.page);
    await ui(main.connectionBanner).toHaveAttribute('data-state', 'taken-over');
    await ui(main.connectionBanner).toHaveText(TAKEN_OVER);
    await ui(main.connectionStatus).not.toHaveText(/Online/);
    const chat = new ChatView(alice.page, 'Carol');
    await ui(chat.takenOverNotice.getByText(TAKEN_OVER)).toBeVisible();
    await ui(chat.composer).toHaveCount(0);
    await ui(main.addContactButton).toHaveCount(0);
    // The history stays readable.
    expect(await chat.texts()).toEqual(['Hello Carol', 'Hello Alice']);
    // Settings offer nothing that could not work here: no "Reconnect now"; removing this copy instead of the account.
    await main.settingsButton.click();
    const settings = new SettingsPanel(alice.page);
    await ui(settings.section('Relay')).toBeVisible();
    await ui(settings.dialog.getByRole('button', { name: 'Reconnect now', exact: true })).toHaveCount(0);
    await ui(settings.dialog.getByRole('button', { name: 'Delete account', exact: true })).toHaveCount(0);
    await ui(settings.dialog.getByRole('button', { name: 'Remove this copy…', exact: true })).toBeVisible();
    await settings.closeButton.click();
    await ui(settings.dialog).toBeHidden();
    await screenshotBothThemes(alice.page, 'taken-over');
    expect(await lowContrastInBothThemes(alice.page, 'taken over')).toEqual([]);
  });

  step("Carol's messages reach the restored app and turn delivered, never the first app", async () => {
    const carolChat = new ChatView(carol.page, 'Alice');
    await carolChat.write('Are you there, Alice?');
    const restoredChat = await openConversation(restored, 'Carol');
    await ui(restoredChat.message('Are you there, Alice?')).toHaveCount(1, { timeout: 30_000 });
    await ui(carolChat.message('Are you there, Alice?')).toHaveAttribute('data-state', /^(delivered|read)$/, {
      timeout: 30_000,
    });
    await restoredChat.write('Yes, on my other computer');
    await ui(carolChat.message('Yes, on my other computer')).toHaveCount(1, { timeout: 30_000 });
    const aliceChat = new ChatView(alice.page, 'Carol');
    await ui(aliceChat.message('Are you there, Alice?')).toHaveCount(0);
    expect(await aliceChat.texts()).toEqual(['Hello Carol', 'Hello Alice']);
    await ui(new MainWindow(alice.page).connectionBanner).toHaveAttribute('data-state', 'taken-over');
  });

  step('the first app stays so after it is opened again', async () => {
    await alice.closeApp();
    await alice.openApp();
    const main = new MainWindow(alice.page);
    await ui(main.connectionBanner).toHaveText(TAKEN_OVER, { timeout: 30_000 });
    await ui(main.connectionStatus).not.toHaveText(/Online/);
    await main.conversation('Carol').click();
    const chat = new ChatView(alice.page, 'Carol');
    await ui(chat.heading).toBeVisible();
    await ui(chat.takenOverNotice.getByText(TAKEN_OVER)).toBeVisible();
    await ui(chat.message('Hello Alice')).toHaveCount(1);
    await ui(chat.message('Are you there, Alice?')).toHaveCount(0);
  });

  step('"Remove this copy" removes it, and leaves the restored app untouched', async () => {
    const chat = new ChatView(alice.page, 'Carol');
    await chat.takenOverNotice.getByRole('button', { name: 'Remove this copy…', exact: true }).click();
    const dialog = alice.page.getByRole('dialog', { name: 'Remove this copy', exact: true });
    await ui(dialog.getByTestId('delete-account-erases')).toHaveText(/on this computer/);
    await dialog.getByLabel('Type DELETE to confirm').fill('DELETE');
    await dialog.getByRole('button', { name: 'Remove this copy', exact: true }).click();
    await ui(new OnboardingScreen(alice.page).restoreButton).toBeVisible({ timeout: 30_000 });

    const carolChat = new ChatView(carol.page, 'Alice');
    await carolChat.write('Still there?');
    const restoredChat = new ChatView(restored.page, 'Carol');
    await ui(restoredChat.message('Still there?')).toHaveCount(1, { timeout: 30_000 });
    await ui(carolChat.message('Still there?')).toHaveAttribute('data-state', /^(delivered|read)$/, {
      timeout: 30_000,
    });
  });
});
