/**
 * What a person sees and does when Parley is restarted under an open tab:
 * the tab says the back end stopped, then (once it runs again with a new
 * token) that it needs the new address; the new address pasted into the same
 * tab changes only its fragment, and the tab asks for the passphrase.
 */
import type { Page } from '@playwright/test';
import { expect } from 'vitest';
import { MainWindow } from './pages/main-window.js';
import { UnlockScreen } from './pages/onboarding.js';
import { ui } from './ui-expect.js';
import type { E2eUser } from './world.js';

/** Unlocking runs Argon2id MODERATE in the shell, then the engine starts. */
const UNLOCK_TIMEOUT_MS = 90_000;
/** "Within a few seconds" of the back end's process ending. */
export const BACK_END_NOTICE_WITHIN_MS = 5_000;

/** In the main window: the bar across the top while the web shell is gone, and a header that no longer says Online. */
export async function expectBackEndStopped(page: Page, stoppedAt: number): Promise<void> {
  const notice = page.getByTestId('back-end-stopped');
  await ui(notice).toBeVisible({ timeout: BACK_END_NOTICE_WITHIN_MS });
  expect(Date.now() - stoppedAt).toBeLessThan(BACK_END_NOTICE_WITHIN_MS + 1_000);
  await ui(notice).toContainText("Parley's back end stopped");
  await ui(notice.getByRole('button', { name: 'Reconnect', exact: true })).toBeVisible();
  const status = new MainWindow(page).connectionStatus;
  await ui(status).toHaveAttribute('data-state', 'back-end-stopped');
  await ui(status).not.toContainText('Online');
}

/**
 * The restarted shell refused the tab's old token: the tab says to paste the
 * new address. Pasting it there (only the fragment differs, so no reload)
 * brings the unlock screen.
 */
export async function pasteNewAddress(page: Page, url: string): Promise<UnlockScreen> {
  await ui(page.getByTestId('fatal-error')).toContainText('paste it into this tab');
  await ui(page.getByTestId('back-end-stopped')).toBeHidden();
  const before = await page.evaluate(() => performance.timeOrigin);
  await page.evaluate((address) => {
    window.location.href = address;
  }, url);
  const unlock = new UnlockScreen(page);
  await ui(unlock.unlockButton).toBeVisible();
  // The same document took the token: nothing reloaded.
  expect(await page.evaluate(() => performance.timeOrigin)).toBe(before);
  expect(page.url()).toBe(url.replace(/#token=.*$/, ''));
  return unlock;
}

/**
 * Unlocks as a person would after a restart: first a mistyped passphrase
 * (the field is disabled and the screen says it takes a few seconds while
 * it runs; the sentence comes, the field is usable again, cleared and
 * focused), then the right one.
 */
export async function unlockAfterRestart(user: E2eUser, unlock: UnlockScreen): Promise<MainWindow> {
  await unlock.passphraseField.fill(`${user.passphrase} (mistyped)`);
  await unlock.unlockButton.click();
  await ui(unlock.progress).toBeVisible();
  await ui(unlock.passphraseField).toBeDisabled();
  await ui(unlock.error).toContainText('passphrase', { timeout: UNLOCK_TIMEOUT_MS });
  await ui(unlock.progress).toBeHidden();
  await ui(unlock.passphraseField).toBeEnabled();
  await ui(unlock.passphraseField).toHaveValue('');
  await ui(unlock.passphraseField).toBeFocused();

  await unlock.passphraseField.fill(user.passphrase);
  await unlock.unlockButton.click();
  const main = new MainWindow(user.page);
  await ui(main.addContactButton).toBeVisible({ timeout: UNLOCK_TIMEOUT_MS });
  return main;
}
