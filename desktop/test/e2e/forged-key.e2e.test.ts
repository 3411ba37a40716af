/**
 * A relay that substitutes a key, through the UI (Alice and Bob, each with
 * their own web shell and browser context, one relay). A third identity,
 * Mallory, builds a real pre-key message to Alice from Alice's bundle with
 * Mallory's own identity key, and it is written into the relay's queue for
 * Alice labelled as coming from Bob, as only a lying relay could. Alice's app
 * refuses it: the conversation with Bob shows one full-width notice naming
 * the relay, the forged text appears nowhere, nothing offers to accept
 * anything, the safety number is still the one Bob sees, the envelope does
 * not come back, and Bob's next real message still decrypts.
 */
import {
  type AccountId,
  encodeContent,
  normalizeRelayUrl,
  parseContactCode,
  type SignalCiphertext,
  toBase64,
} from '@parley/crypto-core';
import { parseWire, preKeyBundlesResponseSchema } from '@parley/crypto-core/wire';
import { fetchBundlesWithKey, httpOf, registerDevice } from '@parley/test-support';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { newEnvelopeId } from '../../../relay-server/src/envelope-ids.js';
import { SqliteRelayStore } from '../../../relay-server/src/storage/index.js';
import { exchangeContacts, onboard, openConversation, reopenApp } from './support/flows.js';
import type { ChatView } from './support/pages/chat-view.js';
import { ContactDialog } from './support/pages/contact-dialog.js';
import { storySteps } from './support/story.js';
import { ui } from './support/ui-expect.js';
import { type E2eUser, type E2eWorld, startWorld } from './support/world.js';

const FORGED_TEXT = 'Bob here, new phone: send me the door code';
/** How long an envelope written into the queue is kept, as the relay's default TTL would keep it. */
const ENVELOPE_TTL_MS = 30 * 24 * 60 * 60 * 1000;

let world: E2eWorld;
let alice: E2eUser;
let bob: E2eUser;
const codes = new Map<E2eUser, string>();
let aliceChat: ChatView;
let bobChat: ChatView;
let safetyNumber = '';

beforeAll(async () => {
  world = await startWorld(['Alice', 'Bob']);
  const [first, second] = world.users;
  if (first === undefined || second === undefined) throw new Error('two users expected');
  [alice, bob] = [first, second];
}, 300_000);

afterEach(async (context) => {
  if (context.task.result?.state === 'fail') await world?.saveFailureEvidence(`forged-key ${context.task.name}`);
  expect(world?.takeProblems() ?? []).toEqual([]);
});

afterAll(async () => {
  await world?.dispose();
});

/** The notice the app must show, naming the relay the envelope came from. */
function forgeryNotice(relayUrl: string): string {
  return `Your relay (${normalizeRelayUrl(relayUrl)}) sent a key that isn't Bob's; nothing from it was accepted.`;
}

async function readSafetyNumber(chat: ChatView, user: E2eUser): Promise<string> {
  await chat.safetyNumberButton.click();
  const contact = new ContactDialog(user.page);
  await ui(contact.safetyNumber).toHaveText(/^\d{5}( \d{5}){11}$/);
  const digits = ((await contact.safetyNumber.textContent()) ?? '').trim();
  // Nothing to accept in the contact's page either.
  await ui(contact.dialog.getByRole('button', { name: /accept/i })).toHaveCount(0);
  await contact.closeButton.click();
  await ui(contact.dialog).toBeHidden();
  return digits;
}

/**
 * Mallory, a registered account of her own, fetches Alice's bundle from the
 * relay (with the code key of Alice's contact code, as anyone holding the
 * code may) and encrypts a pre-key message to her with Mallory's identity key;
 * the relay's queue then gets it as an envelope from Bob's device (written
 * with the relay's own storage code, into its live database).
 */
async function injectForgedPreKeyMessage(aliceId: AccountId, bobId: AccountId, codeKey: string): Promise<void> {
  const http = httpOf(world.relay);
  const { device: mallory, token } = await registerDevice(http);
  const fetched = await fetchBundlesWithKey(http, aliceId, codeKey, token);
  expect(fetched.status).toBe(200);
  const bundles = parseWire(preKeyBundlesResponseSchema, fetched.body, 'bundles response');
  const [bundle] = bundles.bundles;
  if (bundle === undefined) throw new Error('Alice has no bundle');
  await mallory.session.startSession(bundle);
  const forged: SignalCiphertext = await mallory.session.encrypt(
    { accountId: aliceId, deviceId: bundle.deviceId },
    encodeContent({ type: 'text', id: crypto.randomUUID(), sentAt: Date.now(), body: FORGED_TEXT }),
  );
  expect(forged.type).toBe('prekey');

  const store = new SqliteRelayStore({ dataDir: world.relay.dataDir });
  await store.init();
  try {
    const now = Date.now();
    await store.insertEnvelopes([
      {
        id: newEnvelopeId(now),
        recipient: aliceId,
        deviceId: bundle.deviceId,
        type: 'prekey',
        source: { accountId: bobId, deviceId: 1 },
        content: toBase64(forged.body),
        serverTimestamp: now,
        expiresAt: now + ENVELOPE_TTL_MS,
      },
    ]);
  } finally {
    await store.close();
  }
}

describe('a relay substitutes a key for a contact', () => {
  const step = storySteps();

  step('Alice and Bob meet and write to each other', async () => {
    const [aliceCode, bobCode] = await Promise.all([onboard(alice, world.relay.url), onboard(bob, world.relay.url)]);
    codes.set(alice, aliceCode);
    codes.set(bob, bobCode);
    await exchangeContacts([
      { user: alice, code: aliceCode },
      { user: bob, code: bobCode },
    ]);
    [aliceChat, bobChat] = await Promise.all([openConversation(alice, bob.name), openConversation(bob, alice.name)]);
    await bobChat.write('Hi Alice, Bob here');
    await ui(aliceChat.message('Hi Alice, Bob here')).toHaveAttribute('data-direction', 'incoming');
    await aliceChat.write('Hi Bob');
    await ui(bobChat.message('Hi Bob')).toHaveAttribute('data-direction', 'incoming');
    safetyNumber = await readSafetyNumber(aliceChat, alice);
    expect(await readSafetyNumber(bobChat, bob)).toBe(safetyNumber);
  });

  step("a pre-key message with Mallory's key under Bob's id is refused, and the UI names the relay", async () => {
    const aliceCode = parseContactCode(codes.get(alice) ?? '');
    const bobId = parseContactCode(codes.get(bob) ?? '').accountId;
    if (aliceCode.accessKey === null) throw new Error("Alice's code carries no key");
    await injectForgedPreKeyMessage(aliceCode.accountId, bobId, toBase64(aliceCode.accessKey));
    // The relay hands the queue over on a new connection: Alice comes back to the app.
    await alice.closeApp();
    await reopenApp(alice);
    aliceChat = await openConversation(alice, bob.name);

    const notice = alice.page.getByTestId('forgery-notice');
    await ui(notice).toHaveText(forgeryNotice(world.relay.url));
    await ui(notice).toHaveCount(1);
    await ui(notice.getByRole('button')).toHaveCount(0);
    await ui(alice.page.getByRole('button', { name: /accept/i })).toHaveCount(0);
    await ui(alice.page.getByRole('dialog')).toHaveCount(0);
    await ui(alice.page.getByText(FORGED_TEXT)).toHaveCount(0);
    // Bob's conversation is the only one: the forgery made no stranger's either.
    await ui(alice.page.getByTestId('conversation-item')).toHaveCount(1);
    // The safety number is still the one Bob sees.
    expect(await readSafetyNumber(aliceChat, alice)).toBe(safetyNumber);
  });

  step("the forged envelope does not come back, and Bob's next real message still decrypts", async () => {
    await alice.closeApp();
    await reopenApp(alice);
    aliceChat = await openConversation(alice, bob.name);
    await ui(alice.page.getByTestId('forgery-notice')).toHaveCount(1);

    await bobChat.write('Still me, the real Bob');
    await ui(aliceChat.message('Still me, the real Bob')).toHaveAttribute('data-direction', 'incoming');
    await aliceChat.write('Good to hear from the real you');
    await ui(bobChat.message('Good to hear from the real you')).toHaveAttribute('data-direction', 'incoming');
    await ui(bobChat.message('Hi Bob')).toHaveAttribute('data-direction', 'incoming');
    await ui(alice.page.getByText(FORGED_TEXT)).toHaveCount(0);
    expect(await aliceChat.texts()).toEqual([
      'Hi Alice, Bob here',
      'Hi Bob',
      'Still me, the real Bob',
      'Good to hear from the real you',
    ]);
    // Bob's side knows nothing of it: the lie was told to Alice only.
    await ui(bob.page.getByTestId('forgery-notice')).toHaveCount(0);
  });
});
