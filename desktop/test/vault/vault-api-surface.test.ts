/**
 * The vault's whole exposed surface, as a host exposes it: every method called
 * through dispatchVaultCall (successes and refusals), every event. Nothing it
 * answers may contain the identity private key, a prekey private key, the
 * vault key or its wrapped form.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { prepareGroupCreate } from '@parley/crypto-core/group';
import { afterAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src/common/result.js';
import { ERASE_IDENTITY_CONFIRMATION, VAULT_METHODS, type VaultMethod } from '../../src/common/vault-api.js';
import type { Vault } from '../../src/vault/index.js';
import { MemoryKeychain } from './support/memory-keychain.js';
import { RawDevice } from './support/raw-device.js';
import { TestRelay } from './support/test-relay.js';
import {
  attempt,
  call,
  createParty,
  keychainVault,
  randomChallenge,
  receive,
  removeTemporaryDirs,
  send,
  temporaryProfileDir,
  text,
} from './support/vault-harness.js';
import { collectVaultSecrets, SecretWindows, stringsIn } from './support/vault-secrets.js';

// Backups go to ~/Parley Backups: this process gets its own home.
const home = mkdtempSync(join(tmpdir(), 'parley-surface-home-'));
process.env.HOME = home;

afterAll(() => {
  removeTemporaryDirs();
  rmSync(home, { recursive: true, force: true });
});

describe('the vault API surface', () => {
  it('never answers with a private key, the vault key or the wrapped vault key', async () => {
    const relay = new TestRelay();
    const alice = await createParty(relay);
    const bob = await createParty(relay);
    const answers: unknown[] = [];
    const covered = new Set<VaultMethod>();
    alice.vault.on('locked', (payload) => answers.push(payload));
    const exercise = async (vault: Vault, method: VaultMethod, args: unknown): Promise<Result<unknown>> => {
      const result = await attempt(vault, method, args);
      covered.add(method);
      answers.push(result);
      return result;
    };
    const bobId = bob.account.accountId;
    const value = <T>(result: Result<unknown>): T => {
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as T;
    };

    // createParty already created and registered Alice; call everything again through the host's path.
    await exercise(alice.vault, 'getStatus', {});
    await exercise(alice.vault, 'createIdentity', {}); // IDENTITY_EXISTS
    await exercise(alice.vault, 'getDataKey', {});
    await exercise(alice.vault, 'buildRegistration', { relayUrl: relay.url, challenge: randomChallenge() });
    await exercise(alice.vault, 'signChallenge', { relayUrl: relay.url, challenge: randomChallenge() });
    await exercise(alice.vault, 'buildPreKeyRefill', { preKeys: 20, kyberPreKeys: 20 });
    await exercise(alice.vault, 'rotateSignedPreKeys', { force: true });
    await exercise(alice.vault, 'rotateSignedPreKeys', {});
    await exercise(alice.vault, 'setSenderCertificate', {
      relayUrl: relay.url,
      certificate: Buffer.from(relay.senderCertificate(alice.address)).toString('base64'),
      trustRoot: Buffer.from(relay.trustRoot.publicKey).toString('base64'),
    });
    await exercise(alice.vault, 'pinTrustRoot', {
      relayUrl: relay.url,
      trustRoot: Buffer.from(relay.trustRoot.publicKey).toString('base64'),
    });
    // Refused before any network: the page may not ask another relay for a sender certificate.
    await exercise(alice.vault, 'relayRequest', { relayUrl: relay.url, method: 'GET', path: '/v1/certificate' });
    await exercise(alice.vault, 'startSessions', { bundles: relay.bundles(bobId) });
    await exercise(alice.vault, 'getSessionDevices', { accountId: bobId });
    for (const sealed of [true, false]) {
      await exercise(alice.vault, 'encrypt', {
        recipient: bobId,
        content: text('surface'),
        sealed,
        relayUrl: relay.url,
      });
    }
    await receive(relay, bob, await send(relay, alice, bob, text('open the session')));
    const envelopes = [
      ...(await send(relay, bob, alice, text('to alice, sealed'))),
      ...(await send(relay, bob, alice, text('to alice, unsealed'), false)),
    ];
    await exercise(alice.vault, 'decrypt', { relayUrl: relay.url, envelopes });
    await exercise(alice.vault, 'decrypt', { relayUrl: relay.url, envelopes }); // from the cache
    await exercise(alice.vault, 'releaseDecrypted', { envelopeIds: envelopes.map((envelope) => envelope.id) });
    await exercise(alice.vault, 'decrypt', { relayUrl: relay.url, envelopes }); // DUPLICATE_MESSAGE
    const safety = value<{ scannable: string }>(
      await exercise(bob.vault, 'getSafetyNumber', { accountId: alice.account.accountId }),
    );
    await exercise(alice.vault, 'getSafetyNumber', { accountId: bobId });
    await exercise(alice.vault, 'compareSafetyNumber', { accountId: bobId, scanned: safety.scannable });
    await exercise(alice.vault, 'compareSafetyNumber', { accountId: bobId, scanned: 'AAAA' });
    await exercise(alice.vault, 'getContactIdentity', { accountId: bobId });
    const impostor = new RawDevice();
    await impostor.startSession(relay.bundles(alice.account.accountId));
    const forged = await impostor.envelope(
      alice.address,
      { type: 'text', id: crypto.randomUUID(), sentAt: 1, body: 'x' },
      bob.address,
    );
    await exercise(alice.vault, 'decrypt', { relayUrl: relay.url, envelopes: [forged] }); // FORGED_IDENTITY
    await exercise(alice.vault, 'setVerified', { accountId: bobId, verified: true });

    // Groups: our public key, a signature, a distribution id; the chain itself travels only encrypted.
    const author = value<{ identityKey: string }>(await exercise(alice.vault, 'groupAuthor', {}));
    const created = prepareGroupCreate(
      { accountId: alice.account.accountId, identityKey: Buffer.from(author.identityKey, 'base64') },
      {
        name: 'Surface',
        profile: { relayUrl: relay.url, accessKey: Buffer.alloc(16, 1).toString('base64') },
        members: [],
      },
    );
    await exercise(alice.vault, 'signGroupChange', { body: Buffer.from(created.body).toString('base64') });
    const { distributionId } = value<{ distributionId: string }>(
      await exercise(alice.vault, 'groupDistribution', { groupId: created.groupId }),
    );
    await exercise(alice.vault, 'encrypt', {
      recipient: bobId,
      content: { type: 'sender-key', groupId: created.groupId, distributionId },
      relayUrl: relay.url,
    });
    await exercise(alice.vault, 'encryptGroup', {
      groupId: created.groupId,
      content: { type: 'text', id: crypto.randomUUID(), sentAt: 1, body: 'group', groupId: created.groupId },
      relayUrl: relay.url,
      relays: [{ relayUrl: relay.url, recipients: [{ accountId: bobId }] }],
    });

    // Backups (vault/backup/): the file holds the identity; no answer may.
    const passphrase = '12345 67890 13579 24680 11223 34455';
    await exercise(alice.vault, 'backupExportBegin', { passphrase: 'password1', includeIdentity: true }); // weak
    const { exportId } = value<{ exportId: string }>(
      await exercise(alice.vault, 'backupExportBegin', {
        passphrase,
        includeIdentity: true,
        fileName: 'surface.parleybackup',
      }),
    );
    await exercise(alice.vault, 'backupExportWrite', {
      exportId,
      records: [{ type: 'setting', key: 'theme', value: 'dark' }],
    });
    const { path } = value<{ path: string }>(await exercise(alice.vault, 'backupExportFinish', { exportId }));
    const { exportId: readableId } = value<{ exportId: string }>(
      await exercise(alice.vault, 'backupReadableBegin', {}),
    );
    await exercise(alice.vault, 'backupExportAbort', { exportId: readableId });
    const fresh = keychainVault(temporaryProfileDir(), new MemoryKeychain());
    const { uploadId } = value<{ uploadId: string }>(
      await exercise(fresh, 'backupUpload', { data: readFileSync(path).toString('base64') }),
    );
    const { restoreId } = value<{ restoreId: string }>(
      await exercise(fresh, 'backupRestoreOpen', { uploadId, passphrase }),
    );
    await exercise(fresh, 'backupRestoreIdentity', { restoreId });
    await exercise(fresh, 'backupRestoreRead', { restoreId });
    await exercise(fresh, 'backupRestoreFinish', { restoreId, outcome: 'failed' });
    await exercise(alice.vault, 'backupRestoreStaged', {}); // nothing staged: null
    // Delete account: on a profile of its own (Alice's files are scanned below).
    const doomed = keychainVault(temporaryProfileDir(), new MemoryKeychain());
    await exercise(doomed, 'eraseIdentity', { confirm: ERASE_IDENTITY_CONFIRMATION }); // NO_IDENTITY
    await call(doomed, 'createIdentity', {});
    await exercise(doomed, 'eraseIdentity', {}); // INVALID_ARGUMENT
    value(await exercise(doomed, 'eraseIdentity', { confirm: ERASE_IDENTITY_CONFIRMATION }));

    await exercise(alice.vault, 'lock', {});
    await exercise(alice.vault, 'getDataKey', {}); // LOCKED
    await exercise(alice.vault, 'unlock', {});
    await exercise(alice.vault, 'unlock', {}); // already unlocked: the keychain is asked again
    await exercise(alice.vault, 'unlock', { passphrase: 'not here' }); // INVALID_ARGUMENT
    await exercise(alice.vault, 'encrypt', { recipient: bobId, content: { type: 'text' }, relayUrl: relay.url }); // INVALID_ARGUMENT
    await exercise(alice.vault, 'lock', {});

    expect([...covered].sort()).toEqual([...VAULT_METHODS].sort());
    expect(answers.filter((answer) => (answer as Result<unknown>).ok === false).length).toBeGreaterThan(5);

    const secrets = await collectVaultSecrets(alice.profileDir, alice.keychain);
    // Identity, 3 signed, 3 last-resort, 100 + 100 + 20 + 20 one-time (minus used ones), at least.
    expect(secrets.privateKeys.length).toBeGreaterThan(200);
    const windows = new SecretWindows(
      [...secrets.privateKeys, secrets.vaultKey, secrets.wrappedVaultKey],
      secrets.publicKeys,
    );
    expect(windows.size).toBeGreaterThan(100_000);
    const leaks = stringsIn(answers).filter((text) => windows.foundInText(text));
    expect(leaks).toEqual([]);

    // The scanner does find a secret when one is there.
    const planted = secrets.privateKeys[0];
    if (planted === undefined) throw new Error('no private key');
    expect(windows.foundInText(JSON.stringify({ leak: Buffer.from(planted).toString('base64') }))).toBe(true);
    expect(windows.foundInText(Buffer.from(secrets.vaultKey).toString('hex'))).toBe(true);
    await call(bob.vault, 'lock', {});
  });
});
