/**
 * The profile folder at rest: after a real conversation, no file in it holds
 * an account id, a message text, an identity key, the relay URL or any 8-byte
 * window of a private key, neither while the vault is unlocked (WAL in use)
 * nor after it locked. Everything is 0600 in a 0700 folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TestRelay } from './support/test-relay.js';
import {
  call,
  connect,
  createParty,
  receive,
  removeTemporaryDirs,
  send,
  text,
  textBody,
} from './support/vault-harness.js';
import { collectVaultSecrets, SecretWindows } from './support/vault-secrets.js';

afterAll(removeTemporaryDirs);

function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) files.set(name, readFileSync(join(dir, name)));
  return files;
}

function needleForms(data: Uint8Array): Buffer[] {
  const raw = Buffer.from(data);
  return [raw, Buffer.from(raw.toString('base64')), Buffer.from(raw.toString('hex'))];
}

describe('vault files at rest', () => {
  it('hold nothing readable without the vault key', async () => {
    const relay = new TestRelay('https://files-test-relay.example');
    const alice = await createParty(relay);
    const bob = await createParty(relay);
    await connect(relay, alice, bob);
    const texts: string[] = [];
    for (let i = 0; i < 12; i++) {
      const toBob = `Secret plan number ${i} for Bob`;
      const toAlice = `Alice, the answer is ${i * 7}`;
      texts.push(toBob, toAlice);
      await receive(relay, bob, await send(relay, alice, bob, text(toBob), i % 2 === 0));
      const envelopes = await send(relay, bob, alice, text(toAlice), i % 3 !== 0);
      expect(textBody((await receive(relay, alice, envelopes))[0])).toBe(toAlice);
      // Half of Alice's plaintext stays cached (not released), as after a renderer crash.
      if (i % 2 === 0)
        await call(alice.vault, 'releaseDecrypted', { envelopeIds: envelopes.map((envelope) => envelope.id) });
    }
    const whileUnlocked = snapshot(alice.profileDir);
    expect([...whileUnlocked.keys()].sort()).toEqual(['vault-key.json', 'vault.sqlite', 'vault.sqlite-wal']);
    expect(whileUnlocked.get('vault.sqlite-wal')?.byteLength).toBeGreaterThan(0);

    await call(alice.vault, 'lock', {});
    await call(bob.vault, 'lock', {});
    const afterLock = snapshot(alice.profileDir);
    // Locking checkpoints the WAL into the database and removes it.
    expect([...afterLock.keys()].sort()).toEqual(['vault-key.json', 'vault.sqlite']);

    const secrets = await collectVaultSecrets(alice.profileDir, alice.keychain);
    // The cache really holds message text: the scan below looks for something that is there, sealed.
    expect(JSON.stringify(secrets.records.filter((record) => record.kind === 'decrypted-batch'))).toContain(
      'Alice, the answer is',
    );

    const bobIdentityKey = Buffer.from(relay.bundles(bob.account.accountId).bundles[0]?.identityKey ?? '', 'base64');
    const aliceIdentityKey = Buffer.from(
      relay.bundles(alice.account.accountId).bundles[0]?.identityKey ?? '',
      'base64',
    );
    expect(bobIdentityKey).toHaveLength(33);
    const needles: Array<[string, Buffer]> = [
      ['alice account id', Buffer.from(alice.account.accountId)],
      ['bob account id', Buffer.from(bob.account.accountId)],
      ['relay host', Buffer.from('files-test-relay')],
      ...texts.map((body): [string, Buffer] => [`text "${body}"`, Buffer.from(body)]),
      ...needleForms(aliceIdentityKey).map((form): [string, Buffer] => ['alice identity key', form]),
      ...needleForms(bobIdentityKey).map((form): [string, Buffer] => ['bob identity key', form]),
      ...needleForms(secrets.vaultKey).map((form): [string, Buffer] => ['vault key', form]),
    ];
    const windows = new SecretWindows(secrets.privateKeys, secrets.publicKeys);
    expect(windows.size).toBeGreaterThan(50_000);

    for (const [stage, files] of [
      ['unlocked', whileUnlocked],
      ['locked', afterLock],
    ] as const) {
      for (const [name, content] of files) {
        const found = needles.filter(([, needle]) => content.includes(needle)).map(([what]) => what);
        expect(found, `${stage}: ${name}`).toEqual([]);
        expect(windows.foundIn(content), `${stage}: private key bytes in ${name}`).toBe(false);
      }
    }
    // The scan would have noticed: a private key planted in a copy of the database is found.
    const planted = Buffer.concat([
      afterLock.get('vault.sqlite') ?? Buffer.alloc(0),
      Buffer.from(secrets.privateKeys[0] ?? []),
    ]);
    expect(windows.foundIn(planted)).toBe(true);

    expect(statSync(alice.profileDir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(alice.profileDir)) {
      expect(statSync(join(alice.profileDir, name)).mode & 0o777, name).toBe(0o600);
    }
  });
});
