/**
 * Message actions and disappearing messages through the UI in Debian's
 * Chromium (Alice and Bob, each with their own web shell): reply from the
 * hover toolbar (the quote above the composer and in both bubbles; clicking
 * it shows the original), react from the right-click menu and from the
 * keyboard (counts and who on both sides, changed), edit (the "edited" mark
 * and its history on both sides), delete for everyone (confirmed; a
 * tombstone on both sides), message info, and the disappearing-messages
 * timer from the chat header (a notice on both sides; a message disappears
 * from both screens on time); all of it, and the open menu, meets WCAG AA
 * contrast in both themes.
 */
import type { Locator } from '@playwright/test';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { lowContrastInBothThemes } from './support/contrast.js';
import { exchangeContacts, onboard, openConversation } from './support/flows.js';
import type { ChatView } from './support/pages/chat-view.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, startWorld } from './support/world.js';

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
  if (context.task.result?.state === 'fail') await world?.saveFailureEvidence(`message-actions ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
});

function menu(chat: ChatView): Locator {
  return chat.page.getByTestId('message-menu');
}

function menuItem(chat: ChatView, name: string): Locator {
  return menu(chat).getByRole('menuitem', { name, exact: true });
}

function reactions(row: Locator): Locator {
  return row.getByTestId('message-reactions').getByRole('button');
}

/** Right-clicks the message and picks `item` from its menu. */
async function fromMenu(chat: ChatView, row: Locator, item: string): Promise<void> {
  await row.getByTestId('message-bubble').click({ button: 'right' });
  await ui(menu(chat)).toBeVisible();
  await menuItem(chat, item).click();
  await ui(menu(chat)).toBeHidden();
}

describe('message actions between two people', () => {
  const step = storySteps();

  step('Alice and Bob meet and open their conversation', async () => {
    const [aliceCode, bobCode] = await Promise.all([onboard(alice, world.relay.url), onboard(bob, world.relay.url)]);
    await exchangeContacts([
      { user: alice, code: aliceCode },
      { user: bob, code: bobCode },
    ]);
    [aliceChat, bobChat] = await Promise.all([openConversation(alice, bob.name), openConversation(bob, alice.name)]);
    await aliceChat.write('Lunch at noon?');
    await ui(aliceChat.message('Lunch at noon?')).toHaveAttribute('data-state', 'read');
  });

  step('reply: the quote shows above the composer and in both bubbles; clicking it shows the original', async () => {
    const original = bobChat.message('Lunch at noon?');
    await original.hover();
    await original.getByRole('button', { name: 'Reply', exact: true }).click();
    const replying = bob.page.getByTestId('composer-reply');
    await ui(replying).toContainText('Replying to Alice');
    await ui(replying).toContainText('Lunch at noon?');
    await bobChat.write('Sure, see you there');
    await ui(replying).toBeHidden();
    const sent = bobChat.message('Sure, see you there').getByTestId('message-quote');
    await ui(sent).toContainText('Alice');
    await ui(sent).toContainText('Lunch at noon?');
    const received = aliceChat.message('Sure, see you there').getByTestId('message-quote');
    await ui(received).toContainText('You');
    await ui(received).toContainText('Lunch at noon?');
    await received.click();
    await ui(aliceChat.message('Lunch at noon?')).toHaveClass(/highlighted/);
  });

  step('react from the right-click menu and from the keyboard: counts and who on both sides, changed', async () => {
    const aliceRow = aliceChat.message('Sure, see you there');
    await aliceRow.getByTestId('message-bubble').click({ button: 'right' });
    await menu(aliceChat).getByRole('menuitemradio', { name: 'React with 👍', exact: true }).click();
    await ui(reactions(bobChat.message('Sure, see you there'))).toHaveText(['👍']);
    await ui(reactions(bobChat.message('Sure, see you there')).first()).toHaveAttribute('title', 'Alice');
    await ui(reactions(aliceRow).first()).toHaveAttribute('title', 'You');

    // The keyboard: the focused message's Enter opens the menu, arrows move, Enter picks.
    await aliceRow.focus();
    await aliceRow.press('Enter');
    await ui(menu(aliceChat)).toBeVisible();
    await alice.page.keyboard.press('ArrowRight');
    await alice.page.keyboard.press('Enter');
    await ui(reactions(bobChat.message('Sure, see you there'))).toHaveText(['❤️']);

    // Bob adds the same: a count of 2, both named.
    await reactions(bobChat.message('Sure, see you there')).first().click();
    await ui(reactions(aliceRow)).toHaveText(['❤️2']);
    await ui(reactions(aliceRow).first()).toHaveAttribute('title', 'You, Bob');
  });

  step('edit: the new text with the "edited" mark on both sides, and its history', async () => {
    await aliceChat.write('See you at 5');
    await fromMenu(aliceChat, aliceChat.message('See you at 5'), 'Edit');
    await ui(alice.page.getByTestId('composer-editing')).toBeVisible();
    await ui(aliceChat.composer).toHaveValue('See you at 5');
    await aliceChat.composer.fill('See you at 6');
    await aliceChat.composer.press('Enter');
    for (const chat of [aliceChat, bobChat]) {
      await ui(chat.message('See you at 6').getByTestId('message-edited')).toBeVisible();
      await ui(chat.message('See you at 5')).toHaveCount(0);
    }
    await bobChat.message('See you at 6').getByTestId('message-edited').click();
    const history = bob.page.getByTestId('edit-history');
    await ui(history).toContainText('See you at 5');
    await ui(history).toContainText('See you at 6');
    await bob.page.keyboard.press('Escape');
    await ui(history).toBeHidden();
  });

  step('delete for everyone asks first, then leaves "This message was deleted." on both sides', async () => {
    await aliceChat.write('wrong chat, sorry');
    await ui(bobChat.message('wrong chat, sorry')).toHaveCount(1);
    await fromMenu(aliceChat, aliceChat.message('wrong chat, sorry'), 'Delete for everyone');
    const confirm = alice.page.getByRole('dialog', { name: 'Delete for everyone?' });
    await ui(confirm).toBeVisible();
    await confirm.getByRole('button', { name: 'Delete for everyone', exact: true }).click();
    for (const chat of [aliceChat, bobChat]) {
      await ui(chat.message('wrong chat, sorry')).toHaveCount(0);
      await ui(chat.history.getByTestId('message-deleted')).toHaveCount(1);
    }
    // Bob cannot delete Alice's message for everyone: his menu does not offer it.
    await bobChat.message('See you at 6').getByTestId('message-bubble').click({ button: 'right' });
    await ui(menuItem(bobChat, 'Delete for me')).toBeVisible();
    await ui(menuItem(bobChat, 'Delete for everyone')).toHaveCount(0);
    await ui(menuItem(bobChat, 'Edit')).toHaveCount(0);
    await bob.page.keyboard.press('Escape');
    await ui(menu(bobChat)).toBeHidden();
  });

  step('message info shows when it was sent, delivered and read', async () => {
    await fromMenu(aliceChat, aliceChat.message('Lunch at noon?'), 'Info');
    const info = alice.page.getByTestId('message-info');
    await ui(info).toContainText('Sent');
    await ui(info).toContainText('Delivered');
    await ui(info).toContainText('Read');
    expect(await info.locator('dd').allInnerTexts()).not.toContain('—');
    await alice.page.keyboard.press('Escape');
    await ui(info).toBeHidden();
  });

  step(
    'disappearing messages: set from the header, a notice on both sides, a message gone from both screens on time',
    async () => {
      await alice.page.getByTestId('timer-button').click();
      const dialog = alice.page.getByRole('dialog', { name: 'Disappearing messages' });
      await dialog.getByRole('radio', { name: '30 seconds', exact: true }).check();
      await dialog.getByRole('button', { name: 'Save', exact: true }).click();
      await ui(aliceChat.history.getByTestId('timer-notice')).toHaveText([
        'You set disappearing messages to 30 seconds.',
      ]);
      await ui(bobChat.history.getByTestId('timer-notice')).toHaveText([
        'Alice set disappearing messages to 30 seconds.',
      ]);
      await ui(bob.page.getByTestId('timer-button')).toHaveText('⏱ 30s');

      await aliceChat.write('this will vanish');
      await ui(aliceChat.message('this will vanish')).toHaveAttribute('data-state', 'read');
      await ui(bobChat.message('this will vanish')).toHaveCount(1);
      const onTime = { timeout: 45_000 };
      await ui(aliceChat.message('this will vanish')).toHaveCount(0, onTime);
      await ui(bobChat.message('this will vanish')).toHaveCount(0, onTime);
      await ui(bobChat.message('Lunch at noon?')).toHaveCount(1);

      await bob.page.getByTestId('timer-button').click();
      const off = bob.page.getByRole('dialog', { name: 'Disappearing messages' });
      await off.getByRole('radio', { name: 'Off', exact: true }).check();
      await off.getByRole('button', { name: 'Save', exact: true }).click();
      await ui(alice.page.getByTestId('timer-button')).toHaveText('⏱ Off');
      await ui(aliceChat.history.getByTestId('timer-notice').last()).toHaveText(
        'Bob turned off disappearing messages.',
      );
    },
    120_000,
  );

  step(
    'contrast: quotes, reactions, the tombstone, the edited mark, timer notices and the menu, in both themes',
    async () => {
      for (const chat of [aliceChat, bobChat]) {
        await ui(chat.history.getByTestId('message-quote')).toHaveCount(1);
        await ui(chat.history.getByTestId('message-reactions')).toHaveCount(1);
        await ui(chat.history.getByTestId('message-deleted')).toHaveCount(1);
        await ui(chat.history.getByTestId('message-edited')).toHaveCount(1);
      }
      expect(await lowContrastInBothThemes(bob.page, 'message actions')).toEqual([]);
      const row = bobChat.message('Sure, see you there');
      await row.getByTestId('message-bubble').click({ button: 'right' });
      await ui(menu(bobChat)).toBeVisible();
      expect(await lowContrastInBothThemes(bob.page, 'message menu')).toEqual([]);
      await bob.page.keyboard.press('Escape');
      await ui(menu(bobChat)).toBeHidden();
    },
  );
});
