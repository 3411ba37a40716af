/**
 * Writes a fresh vault database for a restore: the backup's identity (same
 * key pair, registration id and device id, so contacts see no key change) or,
 * for a backup made without it, a new identity; a new data key (the engine
 * re-encrypts the history under it); fresh prekey counters; the recorded
 * identity keys of contacts with their trust (only keys their account ids
 * commit to); and a new installation id, so the relay sees another install,
 * which takes the device over from the one the backup came from
 * (docs/protocol.md §3.1). No session, prekey or sender
 * key is restored: the device starts new ones. Like createIdentity, the key
 * file written afterwards (vault.ts) is the commit point.
 */
import {
  accountIdMatches,
  generateIdentity,
  generateKey,
  type LocalIdentityRecord,
  loadIdentity,
} from '@parley/crypto-core';
import { fromBase64 } from '@parley/crypto-core/encoding';
import { DurableRecords } from '../durable-records.js';
import { setNewInstallationId } from '../installation-id.js';
import { PRIMARY_DEVICE_ID } from '../open-vault.js';
import { initialPreKeyState } from '../prekey-maintenance.js';
import { RecordKinds } from '../record-kinds.js';
import { RowSealer } from '../sealed-rows.js';
import { VaultDatabase } from '../vault-database.js';
import { storageError } from '../vault-errors.js';
import { deriveVaultSubkeys } from '../vault-subkeys.js';
import type { KeySection } from './key-section.js';

function identityFrom(keys: KeySection): LocalIdentityRecord & { deviceId: number } {
  if (keys.identity === null) return { ...generateIdentity(), deviceId: PRIMARY_DEVICE_ID };
  const record = {
    identityKeyPair: fromBase64(keys.identity.identityKeyPair),
    registrationId: keys.identity.registrationId,
  };
  // The account id commits to the key: a backup whose id and key disagree is damaged.
  if (loadIdentity(record).accountId !== keys.identity.accountId) {
    throw storageError('the backup identity does not match its account id', null);
  }
  return { ...record, deviceId: keys.identity.deviceId };
}

export async function writeRestoredDatabase(profileDir: string, vaultKey: Uint8Array, keys: KeySection): Promise<void> {
  const database = VaultDatabase.open(profileDir);
  try {
    const records = await DurableRecords.load(database, new RowSealer(deriveVaultSubkeys(vaultKey)));
    if (records.size !== 0) throw storageError('a new vault database is not empty', null);
    const identity = identityFrom(keys);
    const dataKey = await generateKey();
    await records.transaction(async () => {
      records.set(RecordKinds.localAccount, [], identity);
      records.set(RecordKinds.dataKey, [], dataKey);
      records.set(RecordKinds.preKeyState, [], initialPreKeyState());
      setNewInstallationId(records);
      for (const trusted of keys.trusted) {
        const identityKey = fromBase64(trusted.identityKey);
        // Backups from before forged keys were refused outright may hold an
        // impostor's key a user accepted: not restored (the next session uses
        // the key the id commits to), and their 'approved' is 'first-use'.
        if (!accountIdMatches(trusted.accountId, identityKey)) continue;
        records.set(RecordKinds.remoteIdentity, [trusted.accountId], {
          identityKey,
          trust: trusted.trust === 'verified' ? 'verified' : 'first-use',
          updatedAt: trusted.updatedAt,
        });
      }
    });
    records.clear();
  } finally {
    database.close();
  }
}
