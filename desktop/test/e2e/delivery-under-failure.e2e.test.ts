/**
 * Delivery when things go wrong, through the UI in Debian's Chromium: one
 * person quits the app while the other keeps writing, then comes back and
 * sees everything once, in order; the relay is stopped (SIGTERM) in the
 * middle of a conversation and started again on the same port and data
 * folder: the connection bar says so, what was written meanwhile waits as
 * "sending" and then goes through, nothing lost and nothing twice; the app
 * and its shell restart: the vault is locked, a wrong passphrase is refused,
 * the right one brings the history back.
 */
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { screenshotBothThemes } from './support/artefacts.js';
import { exchangeContacts, onboard, openConversation, reopenApp } from './support/flows.js';
import { expectForwardStates, expectSameHistory, recordOutgoingStates } from './support/history.js';
import { unreachableOrigin } from './support/page-problems.js';
import type { ChatView } from './support/pages/chat-view.js';
import { MainWindow } from './support/pages/main-window.js';
import { UnlockScreen } from './support/pages/onboarding.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, SCREENSHOT_VIEWPORT, startWorld } from './support/world.js';

const CATCH_UP_COUNT = 20;
/** Tall enough that the whole history (about 30 rows) is rendered, so it can be read and compared whole. */
const TALL_VIEWPORT = { width: 1100, height: 2400 };
/** The engine retries with backoff up to 30 s (plus jitter) while the relay is away. */
const RECONNECT_TIMEOUT_MS = 60_000;

let world: E2eWorld;
let alice: E2eUser;
let bob: E2eUser;
let aliceChat: ChatView;
let bobChat: ChatView;

beforeAll(async () => {
  world = await startWorld(['Alice', 'Bob'], TALL_VIEWPORT);
  const [first, second] = world.users;
  if (first === undefined || second === undefined) throw new Error('the world has two users');
  [alice, bob] = [first, second];
  const [aliceCode, bobCode] = await Promise.all([onboard(alice, world.relay.url), onboard(bob, world.relay.url)]);
  await exchangeContacts([
    { user: alice, code: aliceCode },
    { user: bob, code: bobCode },
  ]);
  [aliceChat, bobChat] = await Promise.all([openConversation(alice, bob.name), openConversation(bob, alice.name)]);
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await world?.saveFailureEvidence(`delivery ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
});

describe('delivery when things go wrong', () => {
  const step = storySteps();

  step(`catches up on ${CATCH_UP_COUNT} messages written while the app was closed: all, in order, once`, async () => {
    await aliceChat.write('Are you there?');
    await ui(aliceChat.message('Are you there?')).toHaveAttribute('data-state', 'read');
    const rowsBefore = await bobChat.messages.count();

    // Bob quits: his tab, its engine and its relay connection are gone.
    await bob.closeApp();
    const texts = Array.from({ length: CATCH_UP_COUNT }, (_, index) => `catch-up ${index + 1} of ${CATCH_UP_COUNT}`);
    for (const text of texts) await aliceChat.write(text);
    // The relay took every one; nobody received them yet.
    await ui.poll(() => aliceChat.outgoingStates(texts), { timeout: 30_000 }).toEqual(texts.map(() => 'sent'));

    // Bob comes back.
    const bobMain = await reopenApp(bob);
    const aliceStates = await recordOutgoingStates(alice.page);
    await ui(bobMain.unreadCount(alice.name)).toHaveText(String(CATCH_UP_COUNT), { timeout: 30_000 });
    await ui(bobMain.preview(alice.name)).toContainText(texts.at(-1) ?? '');
    // Delivered to Bob's app, not read until he opens the conversation.
    await ui.poll(() => aliceChat.outgoingStates(texts)).toEqual(texts.map(() => 'delivered'));

    bobChat = await openConversation(bob, alice.name);
    await ui(bobChat.messages).toHaveCount(rowsBefore + CATCH_UP_COUNT);
    const shown = await bobChat.texts();
    expect(shown.slice(-CATCH_UP_COUNT)).toEqual(texts);
    const catchUpText = bob.page.getByTestId('message-text').filter({ hasText: /^catch-up / });
    await ui(bobChat.incoming.filter({ has: catchUpText })).toHaveCount(CATCH_UP_COUNT);
    await ui.poll(() => aliceChat.outgoingStates(texts)).toEqual(texts.map(() => 'read'));
    const recorded = await aliceStates();
    for (const text of texts) expectForwardStates(recorded[text], 'read');
    await ui(bobMain.unreadCount(alice.name)).toBeHidden();
    const history = await expectSameHistory(aliceChat, bobChat);
    expect(history).toEqual(['Are you there?', ...texts]);
  });

  step('shows the relay going away, keeps what is written meanwhile as sending, then sends it all once', async () => {
    const [aliceStates, bobStates] = await Promise.all([
      recordOutgoingStates(alice.page),
      recordOutgoingStates(bob.page),
    ]);
    const beforeRestart = 'Writing this just before the relay restarts';
    await aliceChat.write(beforeRestart);
    // Accepted by the relay (so stored there), then the relay goes away mid-conversation.
    await ui(aliceChat.message(beforeRestart)).toHaveAttribute('data-state', /^(sent|delivered|read)$/);
    const stopExpecting = world.users.map((user) => user.problems.expect(unreachableOrigin(world.relay.url)));
    try {
      const stopped = await world.relay.stop('SIGTERM');
      expect(stopped.code).toBe(0);

      const aliceBanner = new MainWindow(alice.page).connectionBanner;
      const bobBanner = new MainWindow(bob.page).connectionBanner;
      for (const banner of [aliceBanner, bobBanner]) {
        await ui(banner).toBeVisible();
        await ui(banner).toHaveAttribute('role', 'status');
        await ui(banner).toHaveAttribute('data-state', /^(connecting|offline)$/);
      }

      const fromAlice = ['Are you still getting these?', 'The relay seems to be down', 'I will keep writing anyway'];
      const fromBob = ['I am writing while it is down too', 'Let us see if all of it arrives'];
      for (const text of fromAlice) await aliceChat.write(text);
      for (const text of fromBob) await bobChat.write(text);
      expect(await aliceChat.outgoingStates(fromAlice)).toEqual(fromAlice.map(() => 'sending'));
      expect(await bobChat.outgoingStates(fromBob)).toEqual(fromBob.map(() => 'sending'));
      // While waiting to retry, the bar says the relay (on this computer) stopped and counts what will go out.
      const bannerShows = (banner: typeof aliceBanner) => () =>
        banner.evaluate((element) => `${element.getAttribute('data-state')}: ${element.textContent?.trim()}`);
      const relayHost = new URL(world.relay.url).host;
      await ui
        .poll(bannerShows(aliceBanner), { timeout: RECONNECT_TIMEOUT_MS })
        .toBe(`offline: The relay at ${relayHost} stopped — 3 messages will send when it's back`);
      await ui
        .poll(bannerShows(bobBanner), { timeout: RECONNECT_TIMEOUT_MS })
        .toBe(`offline: The relay at ${relayHost} stopped — 2 messages will send when it's back`);
      await alice.page.setViewportSize(SCREENSHOT_VIEWPORT);
      await screenshotBothThemes(alice.page, 'connection-offline');
      await alice.page.setViewportSize(TALL_VIEWPORT);
      expect(await aliceChat.outgoingStates(fromAlice)).toEqual(fromAlice.map(() => 'sending'));

      await world.relay.restart();
      await ui(aliceBanner).toBeHidden({ timeout: RECONNECT_TIMEOUT_MS });
      await ui(bobBanner).toBeHidden({ timeout: RECONNECT_TIMEOUT_MS });

      // Both have the conversation open, so everything ends read, and shown once on each side.
      await ui
        .poll(() => aliceChat.outgoingStates([beforeRestart, ...fromAlice]))
        .toEqual(fromAlice.concat(beforeRestart).map(() => 'read'));
      await ui.poll(() => bobChat.outgoingStates(fromBob)).toEqual(fromBob.map(() => 'read'));
      const history = await expectSameHistory(aliceChat, bobChat);
      // The whole history is shown (it starts with the first message), and ends with what was written around the restart.
      expect(history[0]).toBe('Are you there?');
      expect(history.slice(-(1 + fromAlice.length + fromBob.length))).toEqual([
        beforeRestart,
        ...fromAlice,
        ...fromBob,
      ]);
      const [aliceRecorded, bobRecorded] = await Promise.all([aliceStates(), bobStates()]);
      for (const text of fromAlice) expectForwardStates(aliceRecorded[text], 'read');
      for (const text of fromBob) expectForwardStates(bobRecorded[text], 'read');
    } finally {
      for (const stop of stopExpecting) stop();
    }
  });

  step(
    'after a restart of the app the vault is locked: a wrong passphrase is refused, the right one brings it all back',
    async () => {
      const before = await bobChat.texts();
      await bob.restartShell();
      const page = await bob.openApp();
      const unlock = new UnlockScreen(page);
      await ui(unlock.unlockButton).toBeVisible();
      await unlock.passphraseField.fill('not the passphrase');
      await unlock.unlockButton.click();
      await ui(unlock.error).toBeVisible({ timeout: 30_000 });
      await ui(unlock.passphraseField).toBeVisible();

      await unlock.passphraseField.fill(bob.passphrase);
      await unlock.unlockButton.click();
      const main = new MainWindow(page);
      await ui(main.conversation(alice.name)).toBeVisible({ timeout: 30_000 });
      bobChat = await openConversation(bob, alice.name);
      await ui(bobChat.messages).toHaveCount(before.length);
      expect(await bobChat.texts()).toEqual(before);

      const afterRestart = 'Back after restarting the app';
      await bobChat.write(afterRestart);
      await ui(aliceChat.message(afterRestart)).toHaveAttribute('data-direction', 'incoming');
      await ui(bobChat.message(afterRestart)).toHaveAttribute('data-state', 'read');
    },
  );
});
