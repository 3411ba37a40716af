/**
 * Backup and restore through the UI, in Debian's Chromium over the web shell:
 * Alice and Bob talk; Alice exports a backup from Settings → Backups with a
 * generated passphrase (shown once, with copy); her computer is gone; a fresh
 * profile restores the file from the first-run screen (dragged onto the
 * restore screen's drop zone), finds the history and talks with Bob both
 * ways, under the same safety number.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { formatFileSize } from '../../src/renderer/app/state/format.js';
import { dropFile, exportBackupInSettings } from '../e2e/support/backup-flows.js';
import { exchangeContacts, onboard, openConversation } from '../e2e/support/flows.js';
import { ChatView } from '../e2e/support/pages/chat-view.js';
import { ContactDialog } from '../e2e/support/pages/contact-dialog.js';
import { MainWindow } from '../e2e/support/pages/main-window.js';
import { OnboardingScreen } from '../e2e/support/pages/onboarding.js';
import { storySteps } from '../e2e/support/story.js';
import { ui } from '../e2e/support/ui-expect.js';
import { type E2eUser, type E2eWorld, startWorld } from '../e2e/support/world.js';

// The web shells (children of this process) write backups into their profile folders; a home of
// its own for this process all the same, so nothing here can reach the user's ~/Parley Backups.
const home = mkdtempSync(join(tmpdir(), 'parley-backup-ui-home-'));
process.env.HOME = home;

let world: E2eWorld;
let alice: E2eUser;
let bob: E2eUser;
let restored: E2eUser;
let backupPath = '';
let backupPassphrase = '';
let safetyNumber = '';

beforeAll(async () => {
  world = await startWorld(['Alice', 'Bob', 'Restored']);
  const [first, second, third] = world.users;
  if (first === undefined || second === undefined || third === undefined) throw new Error('three users expected');
  [alice, bob, restored] = [first, second, third];
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await world?.saveFailureEvidence(`backup-ui ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
  rmSync(home, { recursive: true, force: true });
});

async function readSafetyNumber(user: E2eUser, chat: ChatView): Promise<string> {
  await chat.safetyNumberButton.click();
  const dialog = new ContactDialog(user.page);
  const digits = (await dialog.safetyNumber.innerText()).trim().replace(/\s+/g, ' ');
  await dialog.closeButton.click();
  return digits;
}

describe('backup and restore through the UI', () => {
  const step = storySteps();

  step('Alice and Bob talk', async () => {
    const [aliceCode, bobCode] = await Promise.all([onboard(alice, world.relay.url), onboard(bob, world.relay.url)]);
    await exchangeContacts([
      { user: alice, code: aliceCode },
      { user: bob, code: bobCode },
    ]);
    const aliceChat = await openConversation(alice, 'Bob');
    await aliceChat.write('Before the backup <b>bold</b> & more');
    const bobChat = await openConversation(bob, 'Alice');
    await ui(bobChat.message('Before the backup <b>bold</b> & more')).toHaveCount(1);
    await bobChat.write('Reply before the backup');
    await ui(aliceChat.message('Reply before the backup')).toHaveCount(1);
    safetyNumber = await readSafetyNumber(alice, aliceChat);
    expect(safetyNumber).toMatch(/^\d{5}( \d{5}){11}$/);
  });

  step('Alice exports a backup with a generated passphrase from Settings → Backups', async () => {
    ({ path: backupPath, passphrase: backupPassphrase } = await exportBackupInSettings(alice));
    // The web shell's --profile DIR keeps its backups in DIR/backups.
    expect(dirname(backupPath)).toBe(join(alice.profileDir, 'backups'));
  });

  step("Alice's computer is gone; a fresh install restores the backup from the first-run screen", async () => {
    await alice.closeApp();
    await alice.shell.stop();
    const page = await restored.openApp();
    const onboarding = new OnboardingScreen(page);
    await ui(onboarding.welcomeHeading).toBeVisible();
    await onboarding.restoreButton.click();
    // Dragged from a file manager onto the drop zone, which then names the file and its size.
    const dropZone = page.getByTestId('file-drop');
    await ui(dropZone).toContainText('Drop your .parleybackup file here');
    await ui(dropZone.getByRole('button', { name: 'Choose file…', exact: true })).toBeVisible();
    await dropFile(dropZone, backupPath);
    await ui(page.getByTestId('chosen-file')).toHaveText(basename(backupPath));
    await ui(dropZone).toContainText(formatFileSize(statSync(backupPath).size));
    await ui(dropZone.getByRole('button', { name: 'Choose another…', exact: true })).toBeVisible();
    // A wrong passphrase first: one sentence, nothing restored.
    await page
      .getByRole('textbox', { name: 'Backup passphrase', exact: true })
      .fill('00000 00000 00000 00000 00000 00000');
    await onboarding.passphraseField.fill(restored.passphrase);
    await onboarding.confirmPassphraseField.fill(restored.passphrase);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await ui(page.getByRole('alert')).toContainText("That passphrase doesn't open this backup", { timeout: 60_000 });
    await page.getByRole('textbox', { name: 'Backup passphrase', exact: true }).fill(backupPassphrase);
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await ui(new MainWindow(page).addContactButton).toBeVisible({ timeout: 90_000 });
  });

  step('the history is there, the safety number is the same, and both can write again', async () => {
    const chat = await openConversation(restored, 'Bob');
    await ui(chat.message('Before the backup <b>bold</b> & more')).toHaveCount(1);
    await ui(chat.message('Reply before the backup')).toHaveCount(1);
    expect(await readSafetyNumber(restored, chat)).toBe(safetyNumber);
    await chat.write('Hello again from the restored install');
    const bobChat = new ChatView(bob.page, 'Alice');
    await ui(bobChat.message('Hello again from the restored install')).toHaveCount(1, { timeout: 30_000 });
    await bobChat.write('Welcome back');
    await ui(chat.message('Welcome back')).toHaveCount(1, { timeout: 30_000 });
    await ui(bob.page.getByTestId('forgery-notice')).toHaveCount(0);
  });
});
