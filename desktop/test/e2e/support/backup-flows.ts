/**
 * Backups as a person makes and restores them, in the UI only: export from
 * Settings → Backups with the generated passphrase (shown once, noted, then
 * dismissed), and restore on a fresh install from the first-run screen: the
 * file chosen through the picker, or dragged onto its drop zone.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Locator } from '@playwright/test';
import { expect } from 'vitest';
import { MainWindow } from './pages/main-window.js';
import { OnboardingScreen } from './pages/onboarding.js';
import { SettingsPanel } from './pages/settings-panel.js';
import { ui } from './ui-expect.js';
import type { E2eUser } from './world.js';

export interface ExportedBackup {
  readonly path: string;
  readonly passphrase: string;
}

/** Settings → Backups → Export backup, identity included; the file and the passphrase shown once. */
export async function exportBackupInSettings(user: E2eUser): Promise<ExportedBackup> {
  const main = new MainWindow(user.page);
  await main.settingsButton.click();
  const settings = new SettingsPanel(user.page);
  await ui(settings.section('Backups')).toBeVisible();
  const dialog = settings.dialog;
  await ui(dialog.getByRole('checkbox', { name: 'Include my identity' })).toBeChecked();
  await dialog.getByRole('button', { name: 'Export backup', exact: true }).click();
  const shown = dialog.getByTestId('backup-passphrase');
  await ui(shown).toHaveText(/^\d{5}( \d{5}){5}$/);
  const passphrase = (await shown.innerText()).trim();
  await ui(dialog.getByTestId('backup-result')).toBeVisible({ timeout: 60_000 });
  await ui(dialog.getByRole('progressbar', { name: 'Backup progress' })).toHaveAttribute('aria-valuenow', '100');
  const path = (await dialog.getByTestId('backup-path').innerText()).trim();
  expect(statSync(path).size).toBeGreaterThan(126);
  // Shown once: dismissed, it is gone.
  await dialog.getByRole('button', { name: 'I saved it', exact: true }).click();
  await ui(shown).toHaveCount(0);
  await settings.closeButton.click();
  return { path, passphrase };
}

/** On a fresh install: the first-run screen's restore, with a new vault passphrase; ends in the main window. */
export async function restoreBackupOnFirstRun(user: E2eUser, backup: ExportedBackup): Promise<MainWindow> {
  const page = await user.openApp();
  const onboarding = new OnboardingScreen(page);
  await ui(onboarding.welcomeHeading).toBeVisible();
  await onboarding.restoreButton.click();
  await page.getByLabel('Backup file', { exact: true }).setInputFiles(backup.path);
  await page.getByRole('textbox', { name: 'Backup passphrase', exact: true }).fill(backup.passphrase);
  await onboarding.passphraseField.fill(user.passphrase);
  await onboarding.confirmPassphraseField.fill(user.passphrase);
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  const main = new MainWindow(page);
  await ui(main.addContactButton).toBeVisible({ timeout: 90_000 });
  return main;
}

/**
 * Drags the file at `path` onto `target` and drops it, as from a file
 * manager: dragenter, dragover and drop, carrying a DataTransfer with the
 * file's bytes and name.
 */
export async function dropFile(target: Locator, path: string): Promise<void> {
  const file = { base64: readFileSync(path).toString('base64'), name: basename(path) };
  const dataTransfer = await target.page().evaluateHandle(({ base64, name }) => {
    const bytes = Uint8Array.from(atob(base64), (character) => character.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
    return transfer;
  }, file);
  for (const type of ['dragenter', 'dragover', 'drop']) await target.dispatchEvent(type, { dataTransfer });
  await dataTransfer.dispose();
}
