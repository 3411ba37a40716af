/**
 * Contacts on any relay (issue 12), through the UI only, in Debian's
 * Chromium: two relays on 127.0.0.1 (A and B: own ports, data folders and
 * trust roots), three people: Alice and Bob at home on A, Carol on B.
 * Alice and Carol add each other by code; Carol writes to Bob first, a
 * stranger from another relay, and he accepts her request; every pair
 * writes both ways and sees read receipts. Relay B stops mid-conversation:
 * Alice's text to Carol waits (never failed) while the bar names B, Alice
 * and Bob keep talking; B comes back and everything arrives once, in order.
 * Bob then blocks Carol: her next message is refused and never shows.
 */
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { addContact, onboard, openConversation } from './support/flows.js';
import { expectSameHistory } from './support/history.js';
import { ChatView } from './support/pages/chat-view.js';
import { ContactDialog } from './support/pages/contact-dialog.js';
import { MainWindow, startsWith } from './support/pages/main-window.js';
import { SettingsPanel } from './support/pages/settings-panel.js';
import { storySteps } from './support/story.js';
import { startTwoRelayWorld, type TwoRelayWorld } from './support/two-relay-world.js';
import { ui } from './support/ui-expect.js';
import type { E2eUser } from './support/world.js';

let world: TwoRelayWorld;
let alice: E2eUser;
let bob: E2eUser;
let carol: E2eUser;
const codes = new Map<E2eUser, string>();
/** Each person's open chat with each other person: chats.get(alice)?.get(bob) is Alice's chat with Bob. */
const chats = new Map<E2eUser, Map<E2eUser, ChatView>>();
/** Ends the expectation of Carol's refused connections while relay B is down. */
let stopExpectingOutage: () => void = () => {};

function chat(from: E2eUser, to: E2eUser): ChatView {
  const view = chats.get(from)?.get(to);
  if (view === undefined) throw new Error(`${from.name} has no chat with ${to.name} open`);
  return view;
}

/** Opens `to`'s conversation in `from`'s window (one chat is shown at a time). */
async function show(from: E2eUser, to: E2eUser): Promise<ChatView> {
  const view = await openConversation(from, to.name);
  const own = chats.get(from) ?? new Map<E2eUser, ChatView>();
  own.set(to, view);
  chats.set(from, own);
  return view;
}

/** `from` writes to `to`; `to` (with that chat open) sees it once, and it turns read on `from`'s side. */
async function writeAndSee(from: E2eUser, to: E2eUser, text: string): Promise<void> {
  const sent = await show(from, to);
  const seen = await show(to, from);
  await sent.write(text);
  await ui(seen.message(text)).toHaveAttribute('data-direction', 'incoming');
  await ui(seen.message(text)).toHaveCount(1);
  await ui(sent.message(text)).toHaveAttribute('data-state', 'read');
}

beforeAll(async () => {
  world = await startTwoRelayWorld(['Alice', 'Bob', 'Carol'], [0, 0, 1]);
  const [first, second, third] = world.users;
  if (first === undefined || second === undefined || third === undefined) throw new Error('three users expected');
  [alice, bob, carol] = [first, second, third];
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await world?.saveFailureEvidence(`across-relays ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
});

describe('contacts on any relay', () => {
  const step = storySteps();

  step('three people start, two on relay A and one on relay B, and give themselves names', async () => {
    const made = await Promise.all([alice, bob, carol].map((user) => onboard(user, world.homeOf(user).url)));
    for (const [index, user] of [alice, bob, carol].entries()) codes.set(user, made[index] ?? '');
    expect(new URL(world.relays[0].url).port).not.toBe(new URL(world.relays[1].url).port);
    for (const user of [alice, bob, carol]) {
      const settings = new SettingsPanel(user.page);
      await new MainWindow(user.page).settingsButton.click();
      await settings.ownName.fill(user.name);
      await settings.saveProfileButton.click();
      await ui(settings.saveProfileButton).toBeDisabled();
      await settings.closeButton.click();
    }
  });

  step('Alice (relay A) and Carol (relay B) add each other by code and write both ways', async () => {
    await addContact(alice, codes.get(carol) ?? '', carol.name);
    await addContact(carol, codes.get(alice) ?? '', alice.name);
    await writeAndSee(alice, carol, 'Hi Carol, from relay A');
    await writeAndSee(carol, alice, 'Hi Alice, from relay B');
    await expectSameHistory(chat(alice, carol), chat(carol, alice));
  });

  step('Alice and Bob, on the same relay, write both ways', async () => {
    await addContact(alice, codes.get(bob) ?? '', bob.name);
    await addContact(bob, codes.get(alice) ?? '', alice.name);
    await writeAndSee(alice, bob, 'Hi Bob, next door');
    await writeAndSee(bob, alice, 'Hi Alice, same relay');
  });

  step('Carol writes to Bob first, a stranger from another relay: a request he accepts, then both ways', async () => {
    await addContact(carol, codes.get(bob) ?? '', bob.name);
    const carolToBob = await show(carol, bob);
    await carolToBob.write('Hello Bob, Alice gave me your code');
    const main = new MainWindow(bob.page);
    await ui(main.requestsEntry).toContainText('1');
    await ui(main.conversation(carol.name)).toHaveCount(0);
    await main.requestsEntry.click();
    // Her profile came from relay B with her name: the request shows it.
    await main.requests.getByRole('option', { name: startsWith(carol.name) }).click();
    const request = new ChatView(bob.page, carol.name);
    await ui(request.requestBar).toBeVisible();
    await ui(request.message('Hello Bob, Alice gave me your code')).toHaveCount(1);
    await request.requestAction('Accept').click();
    await ui(main.requestsEntry).toHaveCount(0);
    await ui(carolToBob.message('Hello Bob, Alice gave me your code')).toHaveAttribute('data-state', 'read');
    await ui(main.conversation(carol.name)).toBeVisible();
    await writeAndSee(bob, carol, 'Welcome, Carol');
    await writeAndSee(carol, bob, 'Thanks, Bob');
  });

  step('relay B stops mid-conversation: Alice waits for Carol, with B named, and still talks to Bob', async () => {
    // Carol's app keeps trying its home relay while it is down; the browser logs each refused connection.
    stopExpectingOutage = carol.problems.expect((problem) => problem.includes('ERR_CONNECTION_REFUSED'));
    await world.relays[1].stop();
    const aliceToCarol = await show(alice, carol);
    await aliceToCarol.write('Carol, are you there? (B is down)');
    await aliceToCarol.write('Second while B is down');
    const banner = new MainWindow(alice.page).connectionBanner;
    const relayB = new URL(world.relays[1].url).host;
    await ui(banner).toContainText(`Can't reach ${relayB}`);
    await ui(banner).toContainText('Carol');
    await writeAndSee(alice, bob, 'Bob still gets this while B is down');
    const waiting = (await show(alice, carol)).message('Carol, are you there? (B is down)');
    await ui(waiting).toHaveAttribute('data-state', 'sending');
  });

  step('relay B comes back: everything arrives once, in order, both ways', async () => {
    await world.relays[1].restart();
    const carolToAlice = await show(carol, alice);
    await ui(carolToAlice.message('Second while B is down')).toHaveCount(1);
    const aliceToCarol = await show(alice, carol);
    await ui(aliceToCarol.message('Second while B is down')).toHaveAttribute('data-state', 'read');
    await ui(new MainWindow(alice.page).connectionBanner.filter({ hasText: "Can't reach" })).toHaveCount(0);
    await writeAndSee(carol, alice, 'Back on relay B');
    await expectSameHistory(chat(alice, carol), chat(carol, alice));
    stopExpectingOutage();
  });

  step('Bob blocks Carol: her next message is refused by relay A and never shows', async () => {
    const bobToCarol = await show(bob, carol);
    await bobToCarol.safetyNumberButton.click();
    const contact = new ContactDialog(bob.page);
    await ui(contact.dialog).toBeVisible();
    await contact.dialog.getByRole('button', { name: `Block ${carol.name}…`, exact: true }).click();
    await bob.page
      .getByRole('dialog', { name: `Block ${carol.name}?` })
      .getByRole('button', { name: 'Block' })
      .click();
    // The Contact dialog says it too once the block is stored; closed, the chat's own notice is the one left.
    await ui(contact.dialog.getByRole('button', { name: `Unblock ${carol.name}`, exact: true })).toBeVisible();
    await contact.closeButton.click();
    await ui(contact.dialog).toBeHidden();
    await ui(bobToCarol.blockedNotice).toBeVisible();
    const stopExpecting = carol.problems.expect((problem) => problem.includes('401'));
    const carolToBob = await show(carol, bob);
    await carolToBob.write('Are you ignoring me?');
    await ui(carolToBob.message('Are you ignoring me?')).toHaveAttribute('data-state', 'failed');
    stopExpecting();
    await ui(bob.page.getByText('Are you ignoring me?')).toHaveCount(0);
  });
});
