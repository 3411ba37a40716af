/**
 * Message requests, names and blocking through the UI in Debian's Chromium
 * (Alice, Bob and Carol, each with their own web shell, one relay): Alice
 * names herself in Settings and writes to Bob, who never added her; Bob sees
 * a request under her chosen name, apart from his chats, and his reading it
 * sends no read receipt; he accepts, her message turns read and he answers.
 * Carol writes to Bob; he blocks her (asked first), is told his contact code
 * was reset, Carol's next message fails at the relay and never shows, and
 * she is in Settings → Blocked.
 */
import { parseContactCode } from '@parley/crypto-core/wire';
import { beforeAll, describe, expect } from 'vitest';
import { addContact, onboard, openConversation } from './support/flows.js';
import { ChatView } from './support/pages/chat-view.js';
import { MainWindow, startsWith } from './support/pages/main-window.js';
import { SettingsPanel } from './support/pages/settings-panel.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, useThreePeople } from './support/world.js';

/** Long enough for a read receipt that should not exist to have arrived. */
const NO_RECEIPT_FOR_MS = 1_500;

const people = useThreePeople('message-requests');
let world: E2eWorld;
let alice: E2eUser;
let bob: E2eUser;
let carol: E2eUser;
const codes = new Map<E2eUser, string>();

beforeAll(() => {
  ({ world, alice, bob, carol } = people);
});

/** Opens the request from `name` through the "Message requests" entry. */
async function openRequest(user: E2eUser, name: string): Promise<ChatView> {
  const main = new MainWindow(user.page);
  await ui(main.requestsEntry).toContainText('1');
  await ui(main.conversation(name)).toHaveCount(0);
  await main.requestsEntry.click();
  await main.requests.getByRole('option', { name: startsWith(name) }).click();
  const chat = new ChatView(user.page, name);
  await ui(chat.heading).toBeVisible();
  await ui(chat.requestBar).toBeVisible();
  await ui(chat.composer).toHaveCount(0);
  return chat;
}

describe('message requests', () => {
  const step = storySteps();
  let aliceChat: ChatView;

  step('everyone starts; Alice names herself in Settings', async () => {
    const made = await Promise.all([alice, bob, carol].map((user) => onboard(user, world.relay.url)));
    for (const [index, user] of [alice, bob, carol].entries()) codes.set(user, made[index] ?? '');
    const settings = new SettingsPanel(alice.page);
    await new MainWindow(alice.page).settingsButton.click();
    await settings.ownName.fill('Alice Liddell');
    await settings.saveProfileButton.click();
    await ui(settings.saveProfileButton).toBeDisabled();
    await settings.closeButton.click();
  });

  step('Alice writes to Bob, who sees a request under her chosen name and sends no read receipt', async () => {
    await addContact(alice, codes.get(bob) ?? '', 'Bob');
    aliceChat = await openConversation(alice, 'Bob');
    await aliceChat.write('Hello Bob, it is Alice');
    const bobRequest = await openRequest(bob, 'Alice Liddell');
    await ui(bobRequest.message('Hello Bob, it is Alice')).toHaveAttribute('data-state', 'read');
    await ui(aliceChat.message('Hello Bob, it is Alice')).toHaveAttribute('data-state', 'delivered');
    await alice.page.waitForTimeout(NO_RECEIPT_FOR_MS);
    expect(await aliceChat.message('Hello Bob, it is Alice').getAttribute('data-state')).toBe('delivered');
  });

  step('Bob accepts: her message turns read, and they talk', async () => {
    const bobChat = new ChatView(bob.page, 'Alice Liddell');
    await bobChat.requestAction('Accept').click();
    await ui(bobChat.composer).toBeEditable();
    await ui(aliceChat.message('Hello Bob, it is Alice')).toHaveAttribute('data-state', 'read');
    await ui(new MainWindow(bob.page).requestsEntry).toHaveCount(0);
    await ui(new MainWindow(bob.page).conversation('Alice Liddell')).toBeVisible();
    await bobChat.write('Hi Alice, welcome');
    await ui(aliceChat.message('Hi Alice, welcome')).toHaveAttribute('data-direction', 'incoming');
  });

  step('Carol writes to Bob; he blocks her, and her next message never reaches him', async () => {
    await addContact(carol, codes.get(bob) ?? '', 'Bob');
    const carolChat = await openConversation(carol, 'Bob');
    await carolChat.write('Buy my stuff');
    // Carol chose no name: the request shows the start of her account id.
    const carolName = `${parseContactCode(codes.get(carol) ?? '').accountId.slice(0, 8)}…`;
    const bobRequest = await openRequest(bob, carolName);
    await ui(bobRequest.message('Buy my stuff')).toBeVisible();
    await bobRequest.requestAction('Block').click();
    await bobRequest.confirmation('Block').click();
    await ui(bobRequest.blockedNotice).toContainText('Your contact code was reset');

    // The relay refuses her old key: the message fails on her side and never shows on his.
    const stopExpecting = carol.problems.expect((problem) => problem.includes('401'));
    await carolChat.write('Hello?');
    await ui(carolChat.message('Hello?')).toHaveAttribute('data-state', 'failed');
    stopExpecting();
    await ui(bobRequest.message('Hello?')).toHaveCount(0);

    const settings = new SettingsPanel(bob.page);
    await new MainWindow(bob.page).settingsButton.click();
    await ui(settings.blockedList.getByRole('listitem')).toHaveCount(1);
    await ui(settings.unblockButton(carolName)).toBeVisible();
    await settings.closeButton.click();
  });
});
