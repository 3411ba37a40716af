/**
 * Reaching someone takes their consent (docs/protocol.md §4.7), through the
 * UI only: two people add each other by contact codes that carry their code
 * keys and talk both ways (each client presents the other's key on every
 * send); Alice resets her contact code, confirming a dialog that says who
 * loses the way to reach her, and sees the new code; Bob, a contact, still
 * gets through, while Carol, who only has the old code, is told it no
 * longer works, and gets through with the new one. The tests run in order,
 * as one story.
 */
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { addContact, exchangeContacts, onboard, openConversation, readContactCode } from './support/flows.js';
import { AddContactDialog } from './support/pages/add-contact-dialog.js';
import type { ChatView } from './support/pages/chat-view.js';
import { MainWindow, OwnContactCodeDialog } from './support/pages/main-window.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, SCREENSHOT_VIEWPORT, startWorld } from './support/world.js';

const OLD_CODE_REFUSED = /doesn['’]t accept this contact code any more; ask them for their current code/;

let world: E2eWorld;
let alice: E2eUser;
let bob: E2eUser;
let carol: E2eUser;
const codes = new Map<E2eUser, string>();
/** The code Alice had before the reset (its key is no longer registered). */
let aliceOldCode = '';
let aliceChat: ChatView;
let bobChat: ChatView;

beforeAll(async () => {
  world = await startWorld(['Alice', 'Bob', 'Carol'], SCREENSHOT_VIEWPORT);
  const [first, second, third] = world.users;
  if (first === undefined || second === undefined || third === undefined) throw new Error('three users expected');
  [alice, bob, carol] = [first, second, third];
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail')
    await world?.saveFailureEvidence(`contact-code-reset ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
});

describe('a contact code is consent to be reached', () => {
  const step = storySteps();

  step('two people add each other by codes with keys and talk both ways', async () => {
    const [aliceCode, bobCode, carolCode] = await Promise.all([
      onboard(alice, world.relay.url),
      onboard(bob, world.relay.url),
      onboard(carol, world.relay.url),
    ]);
    codes.set(alice, aliceCode);
    codes.set(bob, bobCode);
    codes.set(carol, carolCode);
    await exchangeContacts([
      { user: alice, code: aliceCode },
      { user: bob, code: bobCode },
    ]);
    aliceChat = await openConversation(alice, 'Bob');
    bobChat = await openConversation(bob, 'Alice');
    await aliceChat.write('Hi Bob, this is my code key at work');
    await ui(bobChat.message('Hi Bob, this is my code key at work')).toHaveCount(1);
    await bobChat.write('Got it, Alice');
    await ui(aliceChat.message('Got it, Alice')).toHaveCount(1);
  });

  step('Alice resets her contact code after a confirmation, and sees the new one', async () => {
    const main = new MainWindow(alice.page);
    await main.ownContactCodeButton.click();
    const dialog = new OwnContactCodeDialog(alice.page);
    expect(await readContactCode(dialog, world.relay.url)).toBe(codes.get(alice));
    await alice.page.getByRole('button', { name: 'Reset contact code…', exact: true }).click();
    const confirm = alice.page.getByRole('dialog', { name: 'Reset your contact code?' });
    await ui(confirm).toBeVisible();
    await ui(confirm).toContainText(
      'People who have your old code and have not messaged you yet will not be able to reach you with it.',
    );
    await confirm.getByRole('button', { name: 'Reset code', exact: true }).click();
    await ui(alice.page.getByRole('status').filter({ hasText: 'Your contact code was reset.' })).toBeVisible();
    const newCode = await readContactCode(dialog, world.relay.url);
    expect(newCode).not.toBe(codes.get(alice));
    await dialog.closeButton.click();
    await ui(dialog.code).toBeHidden();

    // Opened again, the dialog shows the new code.
    await main.ownContactCodeButton.click();
    expect(await readContactCode(dialog, world.relay.url)).toBe(newCode);
    await dialog.closeButton.click();
    aliceOldCode = codes.get(alice) ?? '';
    codes.set(alice, newCode);
  });

  step('Bob, a contact, still gets through', async () => {
    await bobChat.write('Still here after your reset?');
    await ui(aliceChat.message('Still here after your reset?')).toHaveCount(1);
  });

  step('Carol, with only the old code, is told it no longer works, and gets through with the new one', async () => {
    const main = new MainWindow(carol.page);
    await main.addContactButton.click();
    const dialog = new AddContactDialog(carol.page);
    expect(aliceOldCode).not.toBe('');
    // The relay's refusal of the old key shows in the browser's console as a failed request: expected here.
    const stopExpecting = carol.problems.expect(
      (problem) => problem.includes('/v1/keys/bundles/') && problem.includes('401'),
    );
    await dialog.codeField.fill(aliceOldCode);
    await dialog.nameField.fill('Alice');
    await dialog.addButton.click();
    await ui(dialog.error).toHaveText(OLD_CODE_REFUSED);
    stopExpecting();
    await dialog.cancelButton.click();
    await ui(dialog.dialog).toBeHidden();

    await addContact(carol, codes.get(alice) ?? '', 'Alice');
    const carolChat = await openConversation(carol, 'Alice');
    await carolChat.write('Hello from Carol');
    // Carol wrote first: a message request on Alice's side, apart from her chat with Bob.
    await ui(new MainWindow(alice.page).requestsEntry).toContainText('1');
    await ui(new MainWindow(alice.page).conversations.getByRole('option')).toHaveCount(1);
  });
});
