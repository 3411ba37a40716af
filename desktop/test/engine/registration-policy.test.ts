/**
 * Registering with relays that decide who may have an account: an
 * invite-only relay refuses a new account without a code and with a wrong
 * one (each a one-sentence error for the UI), admits it with a code its
 * operator made, and the same identity later re-registers (as after a
 * restore) without one; a closed relay refuses new accounts; a relay whose
 * --public-url is not the address used says which address it expects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorSentence } from '../../src/renderer/app/state/error-sentences.js';
import { RelayHttpClient } from '../../src/renderer/engine/relay-http.js';
import { engineFailure } from '../support/engine-failure.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';

let inviteRelay: RelayProcess;
let closedRelay: RelayProcess;
/** Listens on 127.0.0.1 but answers only to its public URL, as one set up for a LAN would. */
let publicUrlRelay: RelayProcess;
const PUBLIC_URL = 'http://192.0.2.20:7447';
const clients: TestClient[] = [];

beforeAll(async () => {
  [inviteRelay, closedRelay, publicUrlRelay] = await Promise.all([
    startRelay({ args: ['--registration', 'invite'] }),
    startRelay({ args: ['--registration', 'closed'] }),
    startRelay({ args: ['--public-url', PUBLIC_URL, '--registration', 'open'] }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.dispose()));
  await Promise.allSettled([inviteRelay?.dispose(), closedRelay?.dispose(), publicUrlRelay?.dispose()]);
});

function offline(name: string): TestClient {
  const client = TestClient.offline(name);
  clients.push(client);
  return client;
}

describe('an invite-only relay', () => {
  it('tells the client its policy before it registers', async () => {
    await expect(new RelayHttpClient(inviteRelay.url).registrationPolicy()).resolves.toEqual({ policy: 'invite' });
    await expect(new RelayHttpClient(closedRelay.url).registrationPolicy()).resolves.toEqual({ policy: 'closed' });
  });

  it('needs a valid code for a new account, and none when the identity registers again', async () => {
    const alice = offline('alice');
    const missing = await engineFailure(alice.engine.createAccount({ relayUrl: inviteRelay.url }));
    expect(missing.code).toBe('INVITE_REQUIRED');
    expect(errorSentence(missing)).toBe(
      'This relay only accepts new accounts with an invite code; ask the person who runs it for one.',
    );
    // The identity exists now (created before the relay refused): finishing onboarding is register().
    const wrong = await engineFailure(
      alice.engine.register(inviteRelay.url, { inviteCode: 'aaaaa-bbbbb-ccccc-ddddd' }),
    );
    expect(wrong.code).toBe('INVITE_INVALID');
    expect(errorSentence(wrong)).toMatch(/didn't accept this invite code/);

    const [code] = await inviteRelay.invite();
    // Pasted with the spaces around it that a copy from a chat brings along.
    const summary = await alice.engine.register(inviteRelay.url, { inviteCode: ` ${code} ` });
    expect(summary.relayUrl).toBe(inviteRelay.url);
    expect(alice.engine.running).toBe(true);

    // The same identity registering again (a restore does exactly this) needs no code.
    await alice.engine.stop();
    alice.engine = alice.newEngine();
    await expect(alice.engine.register(inviteRelay.url)).resolves.toMatchObject({ accountId: summary.accountId });
  });

  it('takes the code at account creation too', async () => {
    const bob = offline('bob');
    const [code] = await inviteRelay.invite();
    const summary = await bob.engine.createAccount({ relayUrl: inviteRelay.url, inviteCode: code });
    expect(summary.contactCode).toContain(summary.accountId);
  });
});

describe('a closed relay', () => {
  it('refuses a new account, saying so in one sentence', async () => {
    const carol = offline('carol');
    const closed = await engineFailure(
      carol.engine.createAccount({ relayUrl: closedRelay.url, inviteCode: 'anything' }),
    );
    expect(closed.code).toBe('REGISTRATION_CLOSED');
    expect(errorSentence(closed)).toBe(
      "This relay isn't accepting new accounts; choose another relay or ask the person who runs it.",
    );
  });
});

describe('a relay reached by another address than its public URL', () => {
  it('refuses the registration, and the sentence names the address used and the one it expects', async () => {
    const dave = offline('dave');
    const refused = await engineFailure(dave.engine.createAccount({ relayUrl: publicUrlRelay.url }));
    expect(refused.code).toBe('RELAY_ADDRESS_MISMATCH');
    expect(errorSentence(refused)).toBe(
      `The relay at ${publicUrlRelay.url} expects to be reached as ${PUBLIC_URL} (its public address); use that address instead.`,
    );
    expect(dave.engine.running).toBe(false);
  });
});
