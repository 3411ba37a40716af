/**
 * Receipts only for what the user saw, and the privacy settings, through the
 * UI in Debian's Chromium (Alice and Bob, each with their own web shell):
 * a message that arrives while Settings, or a dialog, covers Bob's open
 * conversation stays unread and unreceipted (Alice sees "delivered") until
 * it is closed; with read receipts off Bob still reads, but Alice never sees
 * "read", and Bob never sees Alice's reads; with typing indicators off
 * neither side sees the other type; both choices outlive a reload.
 */
import type { Locator, Page } from '@playwright/test';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { exchangeContacts, onboard, openConversation } from './support/flows.js';
import { recordOutgoingStates } from './support/history.js';
import type { ChatView } from './support/pages/chat-view.js';
import { ContactDialog } from './support/pages/contact-dialog.js';
import { MainWindow } from './support/pages/main-window.js';
import { SettingsPanel } from './support/pages/settings-panel.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, startWorld } from './support/world.js';

/**
 * How long a covered message must stay unread. Read marking follows a
 * render within milliseconds, so a covered view that marked it would have
 * done so well within this.
 */
const COVERED_FOR_MS = 1_500;

let world: E2eWorld;
let alice: E2eUser;
let bob: E2eUser;
let aliceChat: ChatView;
let bobChat: ChatView;

beforeAll(async () => {
  world = await startWorld(['Alice', 'Bob']);
  const [first, second] = world.users;
  if (first === undefined || second === undefined) throw new Error('two users expected');
  [alice, bob] = [first, second];
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await world?.saveFailureEvidence(`receipts-privacy ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
});

/** Starts noting, in the page, whether the typing indicator ever shows; returns the reader. */
async function watchTyping(page: Page): Promise<() => Promise<boolean>> {
  await page.evaluate(() => {
    const scope = window as unknown as { __typingSeen?: boolean };
    scope.__typingSeen = document.querySelector('[data-testid="typing-indicator"]') !== null;
    new MutationObserver(() => {
      if (document.querySelector('[data-testid="typing-indicator"]') !== null) scope.__typingSeen = true;
    }).observe(document.body, { subtree: true, childList: true });
  });
  return () => page.evaluate(() => (window as unknown as { __typingSeen?: boolean }).__typingSeen === true);
}

/** Opens Settings, turns one choice (on by default) off, closes Settings. */
async function turnOffInSettings(user: E2eUser, choice: (settings: SettingsPanel) => Locator): Promise<void> {
  const settings = new SettingsPanel(user.page);
  await new MainWindow(user.page).settingsButton.click();
  await ui(choice(settings)).toBeChecked();
  await choice(settings).uncheck();
  await ui(choice(settings)).not.toBeChecked();
  await settings.closeButton.click();
  await ui(settings.dialog).toBeHidden();
}

/** Alice writes `text` while something covers Bob's open conversation: it stays unread, Alice sees "delivered". */
async function arrivesCovered(text: string): Promise<void> {
  const bobMain = new MainWindow(bob.page);
  await aliceChat.write(text);
  await ui(aliceChat.message(text)).toHaveAttribute('data-state', 'delivered');
  // Bob's view has the row (it follows new messages), yet nobody can see it.
  await ui(bobChat.message(text)).toHaveAttribute('data-state', 'delivered');
  await ui(bobMain.unreadCount(alice.name)).toHaveText('1');
  await bob.page.waitForTimeout(COVERED_FOR_MS);
  expect(await bobChat.message(text).getAttribute('data-state')).toBe('delivered');
  expect(await bobMain.unreadCount(alice.name).textContent()).toBe('1');
  expect(await aliceChat.message(text).getAttribute('data-state')).toBe('delivered');
}

describe('receipts only for what the user saw', () => {
  const step = storySteps();

  step('Alice and Bob meet and open their conversation', async () => {
    const [aliceCode, bobCode] = await Promise.all([onboard(alice, world.relay.url), onboard(bob, world.relay.url)]);
    await exchangeContacts([
      { user: alice, code: aliceCode },
      { user: bob, code: bobCode },
    ]);
    [aliceChat, bobChat] = await Promise.all([openConversation(alice, bob.name), openConversation(bob, alice.name)]);
    await aliceChat.write('Hello Bob');
    await ui(aliceChat.message('Hello Bob')).toHaveAttribute('data-state', 'read');
  });

  step('a message that arrives under Settings stays unread and unreceipted until Settings closes', async () => {
    const settings = new SettingsPanel(bob.page);
    await new MainWindow(bob.page).settingsButton.click();
    await ui(settings.dialog).toBeVisible();
    await arrivesCovered('Are you there?');
    await settings.closeButton.click();
    await ui(settings.dialog).toBeHidden();
    await ui(bobChat.message('Are you there?')).toHaveAttribute('data-state', 'read');
    await ui(new MainWindow(bob.page).unreadCount(alice.name)).toBeHidden();
    await ui(aliceChat.message('Are you there?')).toHaveAttribute('data-state', 'read');
  });

  step('the same under a dialog (the safety number)', async () => {
    const contact = new ContactDialog(bob.page);
    await bobChat.safetyNumberButton.click();
    await ui(contact.dialog).toBeVisible();
    await arrivesCovered('Still there?');
    await contact.closeButton.click();
    await ui(contact.dialog).toBeHidden();
    await ui(aliceChat.message('Still there?')).toHaveAttribute('data-state', 'read');
  });

  step('with read receipts off, Bob reads but Alice never sees it, and Bob never sees Alice read', async () => {
    await turnOffInSettings(bob, (settings) => settings.readReceipts);

    const aliceStates = await recordOutgoingStates(alice.page);
    const bobStates = await recordOutgoingStates(bob.page);
    const unseen = 'Did you read this?';
    await aliceChat.write(unseen);
    // Bob has the conversation open: he reads it (no longer unread on his side)...
    await ui(bobChat.message(unseen)).toHaveAttribute('data-state', 'read');
    await ui(new MainWindow(bob.page).unreadCount(alice.name)).toBeHidden();
    // ...and answers; Alice reads the answer and says so (her receipts are on).
    const answer = 'Yes, but you will not know when.';
    await bobChat.write(answer);
    await ui(aliceChat.message(answer)).toHaveAttribute('data-direction', 'incoming');
    await ui(bobChat.message(answer)).toHaveAttribute('data-state', 'delivered');
    // Each outbox sends in order: once these arrive, any receipt queued before them has too.
    await aliceChat.write('Fair enough.');
    await ui(bobChat.message('Fair enough.')).toHaveCount(1);
    await bobChat.write('Bye for now.');
    await ui(aliceChat.message('Bye for now.')).toHaveCount(1);
    expect(await aliceChat.message(unseen).getAttribute('data-state')).toBe('delivered');
    expect(await bobChat.message(answer).getAttribute('data-state')).toBe('delivered');
    expect((await aliceStates())[unseen]).not.toContain('read');
    expect((await bobStates())[answer]).not.toContain('read');
  });

  step('with typing indicators off, neither side sees the other type', async () => {
    await turnOffInSettings(bob, (settings) => settings.typingIndicators);

    const [bobSawTyping, aliceSawTyping] = await Promise.all([watchTyping(bob.page), watchTyping(alice.page)]);
    // Alice types slowly, then sends: Bob shows no dots.
    await aliceChat.composer.pressSequentially('typing where Bob cannot see', { delay: 40 });
    await aliceChat.composer.press('Enter');
    await ui(bobChat.message('typing where Bob cannot see')).toHaveCount(1);
    // Bob types slowly, then sends: Alice was told nothing.
    await bobChat.composer.pressSequentially('and I type unseen', { delay: 40 });
    await bobChat.composer.press('Enter');
    await ui(aliceChat.message('and I type unseen')).toHaveCount(1);
    expect(await bobSawTyping()).toBe(false);
    expect(await aliceSawTyping()).toBe(false);
  });

  step('both choices are still off after a reload', async () => {
    await bob.page.reload();
    const main = new MainWindow(bob.page);
    await ui(main.settingsButton).toBeVisible();
    await main.settingsButton.click();
    const settings = new SettingsPanel(bob.page);
    await ui(settings.readReceipts).not.toBeChecked();
    await ui(settings.typingIndicators).not.toBeChecked();
    await settings.closeButton.click();
  });
});
