/**
 * A vault written when a changed key could still be accepted ("Accept the new
 * safety number"): its rows are written here as that version wrote them, and
 * the next unlock cleans them up (vault/legacy-identities.ts). An impostor's
 * key the user accepted goes, with every session built on it; a refused key
 * kept for approval goes; an 'approved' key that the id does commit to stays,
 * as first use. Afterwards the contact's safety number and sessions come only
 * from the key its account id commits to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DurableRecords } from '../../src/vault/durable-records.js';
import type { RecordKind } from '../../src/vault/record-kinds.js';
import { RowSealer } from '../../src/vault/sealed-rows.js';
import { VaultDatabase } from '../../src/vault/vault-database.js';
import { deriveVaultSubkeys } from '../../src/vault/vault-subkeys.js';
import { RawDevice } from './support/raw-device.js';
import { TestRelay } from './support/test-relay.js';
import {
  call,
  connect,
  createParty,
  errorCodeOf,
  type Party,
  receive,
  removeTemporaryDirs,
  send,
  text,
  textBody,
} from './support/vault-harness.js';
import { collectVaultSecrets } from './support/vault-secrets.js';

afterAll(removeTemporaryDirs);

/** A row kind as an older vault encoded it: plain JSON under the given name. */
function legacyKind(name: string): RecordKind<Record<string, unknown>> {
  return {
    name,
    encode: (value) => new TextEncoder().encode(JSON.stringify(value)),
    decode: (payload) => JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>,
  };
}

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** A registered party's identity key (base64), as the relay hands it out. */
function identityKeyOf(relay: TestRelay, party: Party): string {
  const [bundle] = relay.bundles(party.account.accountId).bundles;
  if (bundle === undefined) throw new Error('no bundle');
  return bundle.identityKey;
}

/** Writes rows into a locked vault's database with its own vault key, as that vault would have. */
async function writeLegacyRows(
  party: Party,
  rows: ReadonlyArray<{ kind: string; parts: string[]; value: Record<string, unknown> }>,
): Promise<void> {
  const keyFile = JSON.parse(readFileSync(join(party.profileDir, 'vault-key.json'), 'utf8')) as { wrappedKey: string };
  const vaultKey = await party.keychain.decrypt(Buffer.from(keyFile.wrappedKey, 'base64'));
  const database = VaultDatabase.open(party.profileDir);
  try {
    const records = await DurableRecords.load(database, new RowSealer(deriveVaultSubkeys(vaultKey)));
    await records.transaction(async () => {
      for (const row of rows) records.set(legacyKind(row.kind), row.parts, row.value);
    });
  } finally {
    database.close();
  }
}

describe('a vault from before forged keys were refused outright', () => {
  const relay = new TestRelay();
  let alice: Party;
  let bob: Party;
  let carol: Party;
  const impostor = new RawDevice();

  beforeAll(async () => {
    [alice, bob, carol] = await Promise.all([createParty(relay), createParty(relay), createParty(relay)]);
    for (const peer of [alice, carol]) {
      await connect(relay, bob, peer);
      await receive(relay, peer, await send(relay, bob, peer, text('hello')));
      await receive(relay, bob, await send(relay, peer, bob, text('hello back')));
    }
    await call(bob.vault, 'lock', {});
    await writeLegacyRows(bob, [
      // Bob once accepted the impostor's key for Alice's id (and its sessions would be the impostor's).
      {
        kind: 'remote-identity',
        parts: [alice.account.accountId],
        value: {
          identityKey: base64(impostor.identity.identityKey),
          trust: 'approved',
          updatedAt: 5,
          previousIdentityKey: identityKeyOf(relay, alice),
        },
      },
      // ...and then went back to Carol's real key, approving it too; a refused key for her waits.
      {
        kind: 'remote-identity',
        parts: [carol.account.accountId],
        value: {
          identityKey: identityKeyOf(relay, carol),
          trust: 'approved',
          updatedAt: 6,
          previousIdentityKey: base64(impostor.identity.identityKey),
        },
      },
      {
        kind: 'refused-identity',
        parts: [carol.account.accountId],
        value: { identityKey: base64(impostor.identity.identityKey), refusedAt: 7 },
      },
    ]);
    await call(bob.vault, 'unlock', {});
  });

  it("forgets an accepted impostor's key with the sessions built on it", async () => {
    const aliceId = alice.account.accountId;
    expect(await call(bob.vault, 'getContactIdentity', { accountId: aliceId })).toBeNull();
    expect(await call(bob.vault, 'getSessionDevices', { accountId: aliceId })).toEqual({ devices: [] });
    // No safety number from the impostor's key, ever again.
    expect(await errorCodeOf(bob.vault, 'getSafetyNumber', { accountId: aliceId })).toBe('NO_SESSION');

    // A new session from Alice's bundle records her real key; her safety number matches hers.
    await connect(relay, bob, alice);
    expect(await call(bob.vault, 'getContactIdentity', { accountId: aliceId })).toMatchObject({ trust: 'first-use' });
    expect((await call(bob.vault, 'getSafetyNumber', { accountId: aliceId })).digits).toBe(
      (await call(alice.vault, 'getSafetyNumber', { accountId: bob.account.accountId })).digits,
    );
    expect(textBody((await receive(relay, alice, await send(relay, bob, alice, text('new session'))))[0])).toBe(
      'new session',
    );
  });

  it('keeps a committed key that was approved, as first use, with its sessions', async () => {
    const carolId = carol.account.accountId;
    expect(await call(bob.vault, 'getContactIdentity', { accountId: carolId })).toMatchObject({ trust: 'first-use' });
    expect(textBody((await receive(relay, bob, await send(relay, carol, bob, text('same session'))))[0])).toBe(
      'same session',
    );
  });

  it('drops refused keys kept for approval; only committed keys are on record', async () => {
    await call(bob.vault, 'lock', {});
    const { records } = await collectVaultSecrets(bob.profileDir, bob.keychain);
    expect(records.filter((record) => record.kind === 'refused-identity')).toEqual([]);
    const alicesKey = records.find(
      (record) => record.kind === 'remote-identity' && record.parts[0] === alice.account.accountId,
    );
    const value = alicesKey?.value as { identityKey: Uint8Array; trust: string } | undefined;
    expect(value?.trust).toBe('first-use');
    expect(base64(value?.identityKey ?? new Uint8Array())).toBe(identityKeyOf(relay, alice));
    await call(bob.vault, 'unlock', {});
    await Promise.all([alice, bob, carol].map((party) => call(party.vault, 'lock', {})));
  });
});
