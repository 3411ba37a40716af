/**
 * A backup restored on a new install keeps contacts on another relay: the
 * vault's trust-root pins are not in backups, the engine's relays table is,
 * and the engine hands its roots to the new vault before anything is
 * received (trust-roots.ts restorePins). Without that, the contact's sealed
 * messages would find no root and be dropped.
 */
import { readFile } from 'node:fs/promises';
import { generateBackupPassphrase } from '@parley/crypto-core';
import { normalizeRelayUrl } from '@parley/crypto-core/wire';
import { IDBKeyRange } from 'fake-indexeddb';
import { expect, it } from 'vitest';
import { createVaultClient } from '../../src/common/invoke.js';
import { restoreBackup, uploadBackup } from '../../src/renderer/engine/backup/backup-restore.js';
import { directId, introduce, waitForTexts } from '../support/conversation-helpers.js';
import { registeredClient, useRelayPair } from '../support/relay-pair.js';
import { TestClient } from '../support/test-client.js';

const relays = useRelayPair('cross-relay-restore');

it('reads a contact on another relay right after a restore, with the relay pinned from the backup', async () => {
  const ana = await registeredClient(relays, 'ana', relays.a.url);
  const ben = await registeredClient(relays, 'ben', relays.b.url);
  await introduce(ana, ben, 'Ben');
  const benToAna = await introduce(ben, ana, 'Ana');
  await ben.engine.sendText(benToAna, 'before the backup');
  await waitForTexts(ana, directId(ben), 1);

  const passphrase = generateBackupPassphrase();
  const exported = await ana.engine.exportBackup({ passphrase, includeIdentity: true });
  await ana.dispose();

  const restored = TestClient.offline('ana-restored');
  relays.clients.push(restored);
  const vault = createVaultClient(restored.transport);
  const uploadId = await uploadBackup(vault, new Blob([await readFile(exported.path)]));
  await restoreBackup(vault, uploadId, { passphrase, indexedDB: restored.indexedDB, IDBKeyRange });
  await restored.engine.start();
  // The restored vault holds relay B's root before any envelope arrives: pinning it again is "same".
  const pinned = await vault.invoke('pinTrustRoot', {
    relayUrl: normalizeRelayUrl(relays.b.url),
    trustRoot: await fetchTrustRoot(relays.b.url),
  });
  expect(pinned).toEqual({ ok: true, value: { relayUrl: normalizeRelayUrl(relays.b.url), pinned: 'same' } });

  await ben.engine.sendText(benToAna, 'after the restore');
  const texts = await waitForTexts(restored, directId(ben), 2);
  expect(texts.map((text) => text.body)).toEqual(['before the backup', 'after the restore']);
});

async function fetchTrustRoot(relayUrl: string): Promise<string> {
  const response = await fetch(`${relayUrl}/v1/trust-root`);
  return ((await response.json()) as { publicKey: string }).publicKey;
}
