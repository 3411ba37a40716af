/**
 * Two people meet on one relay, through the whole UI in Debian's Chromium
 * (each with their own web shell, profile and browser context): first run
 * on an invite-only relay with codes its operator made (and, for Carol, the
 * refusals of a missing and a wrong code first), a malformed contact code, exchanging codes, comparing safety numbers and
 * marking each other verified, then chatting both ways with delivery and
 * read receipts and the typing indicator; settings and themes. Screenshots of
 * each screen in light and dark land in .artifacts/screenshots/. The tests
 * run in order and build on each other, as one story.
 */
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { screenshotBothThemes } from './support/artefacts.js';
import { lowContrastInBothThemes, type MeaningfulShape } from './support/contrast.js';
import { copyToClipboard, exchangeContacts, onboard, openConversation, readContactCode } from './support/flows.js';
import { expectForwardStates, expectSameHistory, recordOutgoingStates } from './support/history.js';
import { AddContactDialog } from './support/pages/add-contact-dialog.js';
import type { ChatView } from './support/pages/chat-view.js';
import { ContactDialog } from './support/pages/contact-dialog.js';
import { MainWindow, OwnContactCodeDialog } from './support/pages/main-window.js';
import { SETTINGS_SECTIONS, SettingsPanel } from './support/pages/settings-panel.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, SCREENSHOT_VIEWPORT, startWorld } from './support/world.js';

const SAFETY_NUMBER = /^\d{5}( \d{5}){11}$/;
const MALFORMED_CODE_ERROR = /isn['’]t a valid Parley contact code/;

let world: E2eWorld;
let alice: E2eUser;
let bob: E2eUser;
/** Writes to Alice once, late, so that her list holds two conversations. */
let carol: E2eUser;
const codes = new Map<E2eUser, string>();
let aliceChat: ChatView;
let bobChat: ChatView;

beforeAll(async () => {
  world = await startWorld(['Alice', 'Bob', 'Carol'], SCREENSHOT_VIEWPORT, ['--registration', 'invite']);
  const [first, second, third] = world.users;
  if (first === undefined || second === undefined || third === undefined) throw new Error('three users expected');
  [alice, bob, carol] = [first, second, third];
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail')
    await world?.saveFailureEvidence(`first-conversation ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
});

describe('two people meet on one relay', () => {
  const step = storySteps();

  step(
    'each goes through the first run with an invite code and gets a contact code, with its QR code and a working copy button',
    async () => {
      // The relay's operator makes three codes while it runs, as `npm run relay -- invite --count 3` does.
      const [aliceInvite, bobInvite, carolInvite] = await world.relay.invite(3);
      const [aliceCode, bobCode, carolCode] = await Promise.all([
        onboard(alice, world.relay.url, { screenshots: true, inviteCode: aliceInvite }),
        onboard(bob, world.relay.url, { inviteCode: bobInvite }),
        onboard(carol, world.relay.url, { inviteCode: carolInvite, triesWrongCodes: true }),
      ]);
      expect(new Set([aliceCode, bobCode, carolCode]).size).toBe(3);
      codes.set(alice, aliceCode);
      codes.set(bob, bobCode);
      codes.set(carol, carolCode);

      // The account header shows the same code again, later.
      const bobMain = new MainWindow(bob.page);
      await ui(bobMain.conversations.getByRole('option')).toHaveCount(0);
      await bobMain.ownContactCodeButton.click();
      const codeDialog = new OwnContactCodeDialog(bob.page);
      expect(await readContactCode(codeDialog, world.relay.url)).toBe(bobCode);
      await copyToClipboard(codeDialog.copyButton, bobCode);
      await codeDialog.closeButton.click();
      await ui(codeDialog.code).toBeHidden();
    },
  );

  step("refuses a malformed contact code with the dialog's error and adds nobody", async () => {
    const bobCode = codes.get(bob) ?? '';
    const main = new MainWindow(alice.page);
    const dialog = new AddContactDialog(alice.page);
    await main.addContactButton.click();
    await ui(dialog.dialog).toBeVisible();
    // A code that lost a character of its account id when pasted, and something that is no code at all.
    for (const malformed of [bobCode.replace(/^parley:[a-z2-7]/, 'parley:'), 'https://parley.example/bob']) {
      await dialog.codeField.fill(malformed);
      await dialog.nameField.fill('Bob');
      await dialog.addButton.click();
      await ui(dialog.error).toHaveText(MALFORMED_CODE_ERROR);
      await ui(dialog.dialog).toBeVisible();
    }
    await dialog.cancelButton.click();
    await ui(dialog.dialog).toBeHidden();
    await ui(alice.page.getByTestId('conversation-item')).toHaveCount(0);
  });

  step('adds each other by code; both see the same safety number and mark each other verified', async () => {
    await exchangeContacts([
      { user: alice, code: codes.get(alice) ?? '' },
      { user: bob, code: codes.get(bob) ?? '' },
    ]);
    [aliceChat, bobChat] = await Promise.all([openConversation(alice, bob.name), openConversation(bob, alice.name)]);

    const numbers: string[] = [];
    for (const [user, chat] of [
      [alice, aliceChat],
      [bob, bobChat],
    ] as const) {
      await ui(chat.verifiedBadge).toBeHidden();
      await chat.safetyNumberButton.click();
      const contact = new ContactDialog(user.page);
      await ui(contact.safetyNumber).toHaveText(SAFETY_NUMBER);
      numbers.push(((await contact.safetyNumber.textContent()) ?? '').trim());
      await ui(contact.safetyNumberQr).toBeVisible();
      await ui(contact.verified).not.toBeChecked();
    }
    // The number both compare (side by side, or read aloud) is one number.
    expect(numbers[0]).toBe(numbers[1]);

    for (const [user, chat] of [
      [alice, aliceChat],
      [bob, bobChat],
    ] as const) {
      const contact = new ContactDialog(user.page);
      await contact.verified.check();
      await ui(contact.verified).toBeChecked();
      if (user === alice) await screenshotBothThemes(user.page, 'safety-number');
      await contact.closeButton.click();
      await ui(contact.dialog).toBeHidden();
      await ui(chat.verifiedBadge).toBeVisible();
    }

    // Verified is remembered: the dialog opens checked again.
    await aliceChat.safetyNumberButton.click();
    const again = new ContactDialog(alice.page);
    await ui(again.verified).toBeChecked();
    await again.closeButton.click();
  });

  step(
    'chats both ways: sent, delivered, then read once opened; the typing indicator shows while the other types',
    async () => {
      // Bob comes back to the app later: no conversation is open, so nothing he receives is read yet.
      await bob.page.reload();
      const bobMain = new MainWindow(bob.page);
      await ui(bobMain.conversation(alice.name)).toBeVisible();
      await ui(bobChat.heading).toBeHidden();

      const aliceStates = await recordOutgoingStates(alice.page);
      const hello = 'Hi Bob! Is this the new messenger?';
      await aliceChat.write(hello);
      await ui(aliceChat.composer).toHaveValue('');
      await ui(aliceChat.message(hello)).toHaveAttribute('data-state', 'delivered');
      await ui(bobMain.unreadCount(alice.name)).toHaveText('1');
      await ui(bobMain.preview(alice.name)).toContainText(hello);
      await screenshotBothThemes(bob.page, 'conversation-list');
      // Delivered, and it stays so while Bob has not opened the conversation.
      expect(await aliceChat.message(hello).getAttribute('data-state')).toBe('delivered');

      await bobMain.conversation(alice.name).click();
      await ui(bobChat.heading).toBeVisible();
      await ui(bobChat.message(hello)).toHaveAttribute('data-direction', 'incoming');
      await ui(aliceChat.message(hello)).toHaveAttribute('data-state', 'read');
      await ui(bobMain.unreadCount(alice.name)).toBeHidden();
      expectForwardStates((await aliceStates())[hello], 'read');

      // Bob types; Alice sees him typing until the message arrives.
      const bobStates = await recordOutgoingStates(bob.page);
      const reply = 'Yes! And only we can read this.';
      await ui(aliceChat.typingIndicator).toBeHidden();
      await bobChat.composer.pressSequentially(reply, { delay: 20 });
      await ui(aliceChat.typingIndicator).toBeVisible();
      await ui(bobChat.typingIndicator).toBeHidden();
      await bobChat.composer.press('Enter');
      await ui(aliceChat.message(reply)).toHaveAttribute('data-direction', 'incoming');
      await ui(aliceChat.typingIndicator).toBeHidden();
      // Alice has the conversation open, so Bob's reply is read at once.
      await ui(bobChat.message(reply)).toHaveAttribute('data-state', 'read');
      expectForwardStates((await bobStates())[reply], 'read');

      // A few more, both ways; Shift+Enter writes a second line into one message.
      await aliceChat.composer.fill('Two lines:');
      await aliceChat.composer.press('Shift+Enter');
      await aliceChat.composer.pressSequentially('the second one');
      await aliceChat.sendButton.click();
      const twoLines = 'Two lines:\nthe second one';
      await ui(bobChat.message(twoLines)).toHaveCount(1);
      await bobChat.write('Nice, it keeps the line break.');
      await aliceChat.write('See you later!');
      for (const [chat, text] of [
        [aliceChat, twoLines],
        [bobChat, 'Nice, it keeps the line break.'],
        [aliceChat, 'See you later!'],
      ] as const) {
        await ui(chat.message(text)).toHaveAttribute('data-state', 'read');
      }
      const history = await expectSameHistory(aliceChat, bobChat);
      expect(history).toEqual([hello, reply, twoLines, 'Nice, it keeps the line break.', 'See you later!']);
      await ui(aliceChat.incoming).toHaveCount(2);
      await ui(aliceChat.outgoing).toHaveCount(3);
      await ui(alice.page.getByTestId('day-separator')).toHaveCount(1);
      await screenshotBothThemes(alice.page, 'chat');
    },
  );

  step('opens settings with every section, switches the theme, and follows the system by default', async () => {
    const main = new MainWindow(alice.page);
    await main.settingsButton.click();
    const settings = new SettingsPanel(alice.page);
    await ui(settings.dialog).toBeVisible();
    for (const section of SETTINGS_SECTIONS) await ui(settings.section(section)).toBeVisible();
    await ui(settings.desktopNotifications).toBeVisible();
    await ui(settings.theme('System')).toBeChecked();

    const html = alice.page.locator('html');
    await alice.page.emulateMedia({ colorScheme: 'light' });
    await settings.theme('Dark').check();
    await ui(html).toHaveAttribute('data-theme', 'dark');
    await alice.page.emulateMedia({ colorScheme: 'dark' });
    await settings.theme('Light').check();
    await ui(html).toHaveAttribute('data-theme', 'light');
    await settings.theme('System').check();
    await ui(html).toHaveAttribute('data-theme', 'dark');
    await alice.page.emulateMedia({ colorScheme: 'light' });
    await ui(html).toHaveAttribute('data-theme', 'light');

    await screenshotBothThemes(alice.page, 'settings');
    await settings.closeButton.click();
    await ui(settings.dialog).toBeHidden();
    await ui(aliceChat.heading).toBeVisible();
    // Esc closes panels too.
    await main.settingsButton.click();
    await ui(settings.dialog).toBeVisible();
    await alice.page.keyboard.press('Escape');
    await ui(settings.dialog).toBeHidden();
  });

  step('a third person writes: newest conversation first, counted unread, and the filter finds each', async () => {
    await exchangeContacts([
      { user: alice, code: codes.get(alice) ?? '' },
      { user: carol, code: codes.get(carol) ?? '' },
    ]);
    // Adding Carol opened her (empty) conversation; Alice goes back to Bob's.
    aliceChat = await openConversation(alice, bob.name);
    const carolChat = await openConversation(carol, alice.name);
    const hello = 'Hello Alice, Bob gave me your code.';
    await carolChat.write(hello);
    // Alice is reading Bob's conversation: Carol's arrives unread and goes to the top.
    await ui(carolChat.message(hello)).toHaveAttribute('data-state', 'delivered');
    const main = new MainWindow(alice.page);
    await ui(main.unreadCount(carol.name)).toHaveText('1');
    await ui(main.preview(carol.name)).toContainText(hello);
    await ui(main.conversations.getByRole('option')).toHaveCount(2);
    await ui(main.conversations.getByRole('option').first()).toHaveAccessibleName(/^Carol/);
    await ui(main.preview(bob.name)).toContainText('See you later!');
    await screenshotBothThemes(alice.page, 'main-window');

    // Ctrl+K jumps to the filter.
    await alice.page.keyboard.press('Control+K');
    await ui(main.filter).toBeFocused();
    await alice.page.keyboard.type('car');
    await ui(main.conversations.getByRole('option')).toHaveCount(1);
    await ui(main.conversation(carol.name)).toBeVisible();
    await main.filter.fill('nobody by this name');
    await ui(main.conversations.getByRole('option')).toHaveCount(0);
    await main.filter.fill('');
    await ui(main.conversations.getByRole('option')).toHaveCount(2);
    // Filtering read nothing: Carol's message is still unread, and stays delivered on her side.
    await ui(main.unreadCount(carol.name)).toHaveText('1');
    expect(await carolChat.message(hello).getAttribute('data-state')).toBe('delivered');
  });

  step('every visible text meets WCAG AA contrast, and bubbles and list marks 3:1, in light and in dark', async () => {
    const page = alice.page;
    const contact = new ContactDialog(page);
    const settings = new SettingsPanel(page);
    // The main window shows both kinds of bubble, Bob's verified shield and Carol's unread count: all measured.
    const screens: [string, () => Promise<void>, () => Promise<void>, MeaningfulShape[]][] = [
      ['main window', async () => {}, async () => {}, ['message-bubble', 'verified-mark', 'unread-count']],
      [
        'contact dialog',
        () => aliceChat.safetyNumberButton.click(),
        async () => {
          await contact.closeButton.click();
          await ui(contact.dialog).toBeHidden();
        },
        [],
      ],
      [
        'settings',
        () => new MainWindow(page).settingsButton.click(),
        async () => {
          await settings.closeButton.click();
          await ui(settings.dialog).toBeHidden();
        },
        [],
      ],
    ];
    const failures = new Set<string>();
    for (const [screen, open, close, shapes] of screens) {
      await open();
      for (const failure of await lowContrastInBothThemes(page, screen, shapes)) failures.add(failure);
      await close();
    }
    expect([...failures]).toEqual([]);
  });
});
