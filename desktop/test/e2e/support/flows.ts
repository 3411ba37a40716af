/**
 * What a person does, in the UI only, in more than one test: go through the
 * first run, add a contact by code, open a conversation.
 */
import { formatContactCode, parseContactCode } from '@parley/crypto-core/wire';
import type { Locator, Page } from '@playwright/test';
import { expect } from 'vitest';
import { screenshotBothThemes } from './artefacts.js';
import { AddContactDialog } from './pages/add-contact-dialog.js';
import { ChatView } from './pages/chat-view.js';
import { MainWindow } from './pages/main-window.js';
import { OnboardingScreen, UnlockScreen } from './pages/onboarding.js';
import { decodeQrImage } from './qr.js';
import { ui } from './ui-expect.js';
import type { E2eUser } from './world.js';

/** Creating the identity runs Argon2id (MODERATE) in the shell, then registers at the relay. */
const ACCOUNT_CREATION_TIMEOUT_MS = 90_000;

/**
 * Checks a shown contact code: canonical for this relay, with the account's
 * code access key in it, and the QR beside it says the same.
 */
export async function readContactCode(shown: { code: Locator; qr: Locator }, relayUrl: string): Promise<string> {
  const code = ((await shown.code.textContent()) ?? '').trim();
  expect(code, `contact code shown: ${code}`).toMatch(/^parley:[a-z2-7]{32}\?relay=[^&]+&key=[A-Za-z0-9_-]{22}$/);
  const parsed = parseContactCode(code);
  expect(parsed.relayUrl).toBe(relayUrl);
  expect(formatContactCode(parsed)).toBe(code);
  await ui(shown.qr).toBeVisible();
  expect(await decodeQrImage(shown.qr)).toBe(code);
  return code;
}

/**
 * Clicks a copy button and returns what landed on the clipboard. Headless
 * Chromium has one clipboard for all its contexts, so two users copying at
 * once would read each other's text: copies take turns.
 */
let clipboardTurn: Promise<unknown> = Promise.resolve();

export function copyToClipboard(copyButton: Locator, expected: string): Promise<void> {
  const turn = clipboardTurn.then(async () => {
    await copyButton.click();
    const page = copyButton.page();
    await ui.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(expected);
  });
  clipboardTurn = turn.catch(() => {});
  return turn;
}

export interface OnboardOptions {
  readonly screenshots?: boolean;
  /** The relay is invite-only: the relay step must ask for a code, and this one is entered. */
  readonly inviteCode?: string;
  /** Before the right code, press Continue without one and then with a wrong one, and read the refusals. */
  readonly triesWrongCodes?: boolean;
  /** Called on the contact code step, once the code was read and copied (a screenshot for the README). */
  readonly atContactCode?: (page: Page) => Promise<unknown>;
}

const INVITE_REQUIRED_SENTENCE =
  'This relay only accepts new accounts with an invite code; ask the person who runs it for one.';
const INVITE_INVALID_SENTENCE =
  "The relay didn't accept this invite code; check it, or ask the person who runs the relay for a new one.";

/** Continue without an invite code, then with a wrong one: each refused in one sentence, nothing else changes. */
async function tryWrongInviteCodes(user: E2eUser, screen: OnboardingScreen): Promise<void> {
  // The relay answers these registrations 403, which the browser reports on the console.
  const stopExpecting = user.problems.expect((problem) => problem.includes('/v1/accounts') && problem.includes('403'));
  try {
    await screen.continueButton.click();
    await ui(screen.error).toHaveText(INVITE_REQUIRED_SENTENCE, { timeout: ACCOUNT_CREATION_TIMEOUT_MS });
    await screen.inviteCodeField.fill('aaaaa-bbbbb-ccccc-ddddd');
    await screen.continueButton.click();
    await ui(screen.error).toHaveText(INVITE_INVALID_SENTENCE, { timeout: ACCOUNT_CREATION_TIMEOUT_MS });
    await ui(screen.relayUrlField).toBeVisible();
  } finally {
    stopExpecting();
  }
}

/**
 * The whole first run of a new user: welcome, passphrase, relay (prefilled,
 * checked live; the invite code when the relay asks for one), contact code
 * (text, QR, copy). Returns the contact code.
 */
export async function onboard(user: E2eUser, relayUrl: string, options: OnboardOptions = {}) {
  const page = await user.openApp();
  const screen = new OnboardingScreen(page);
  await ui(screen.welcomeHeading).toBeVisible();
  await ui(screen.restoreButton).toBeEnabled();
  if (options.screenshots) await screenshotBothThemes(page, 'onboarding-welcome');
  await screen.createIdentityButton.click();

  await screen.passphraseField.fill(user.passphrase);
  await screen.confirmPassphraseField.fill(user.passphrase);
  await screen.continueButton.click();

  await ui(screen.relayUrlField).toHaveValue(relayUrl);
  await ui(screen.relayCheck).toHaveAttribute('data-state', 'ok');
  if (options.inviteCode === undefined) {
    await ui(screen.inviteCodeField).toBeHidden();
  } else {
    await ui(screen.relayCheck).toContainText('new accounts need an invite code');
    await ui(screen.inviteCodeField).toBeVisible();
    if (options.triesWrongCodes) await tryWrongInviteCodes(user, screen);
    await screen.inviteCodeField.fill(options.inviteCode);
  }
  if (options.screenshots) await screenshotBothThemes(page, 'onboarding-relay');
  await screen.continueButton.click();

  await ui(screen.ownContactCode).toBeVisible({ timeout: ACCOUNT_CREATION_TIMEOUT_MS });
  const code = await readContactCode({ code: screen.ownContactCode, qr: screen.contactCodeQr }, relayUrl);
  await copyToClipboard(screen.copyContactCodeButton, code);
  if (options.screenshots) await screenshotBothThemes(page, 'onboarding-contact-code');
  await options.atContactCode?.(page);
  await screen.startMessagingButton.click();
  await ui(new MainWindow(page).addContactButton).toBeVisible();
  return code;
}

/**
 * Opens the app again after it was closed. The vault stayed unlocked in the
 * shell, so the main window is expected; should the app ask for the
 * passphrase instead, the unlock screen is used as a person would.
 */
export async function reopenApp(user: E2eUser): Promise<MainWindow> {
  const page = await user.openApp();
  const main = new MainWindow(page);
  const unlock = new UnlockScreen(page);
  await ui(main.addContactButton.or(unlock.unlockButton)).toBeVisible();
  if (await unlock.unlockButton.isVisible()) {
    await unlock.passphraseField.fill(user.passphrase);
    await unlock.unlockButton.click();
    await ui(main.addContactButton).toBeVisible({ timeout: ACCOUNT_CREATION_TIMEOUT_MS });
  }
  return main;
}

export async function addContact(user: E2eUser, code: string, name: string): Promise<void> {
  const main = new MainWindow(user.page);
  await main.addContactButton.click();
  const dialog = new AddContactDialog(user.page);
  await ui(dialog.dialog).toBeVisible();
  await dialog.codeField.fill(code);
  await dialog.nameField.fill(name);
  await dialog.addButton.click();
  // Adding fetches the contact's keys from the relay and starts a session.
  await ui(dialog.dialog).toBeHidden({ timeout: 30_000 });
  await ui(main.conversation(name)).toBeVisible();
}

export async function openConversation(user: E2eUser, name: string): Promise<ChatView> {
  await new MainWindow(user.page).conversation(name).click();
  const chat = new ChatView(user.page, name);
  await ui(chat.heading).toBeVisible();
  await ui(chat.composer).toBeEditable();
  return chat;
}

/** Each user adds the other by the other's contact code, under the other's name. */
export async function exchangeContacts(pair: readonly { user: E2eUser; code: string }[]): Promise<void> {
  const [first, second] = pair;
  if (first === undefined || second === undefined) throw new Error('exchangeContacts needs two users');
  await addContact(first.user, second.code, second.user.name);
  await addContact(second.user, first.code, first.user.name);
}
