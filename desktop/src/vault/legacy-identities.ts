/**
 * What vaults written before forged keys were refused outright may still
 * hold, cleaned up at unlock (docs/protocol.md §Identity trust):
 *
 * - refused keys kept for approval (`refused-identity` rows): dropped, since
 *   nothing approves a key any more;
 * - a recorded key that its account id does not commit to: only an impostor's
 *   key, accepted through the old "accept the new safety number". Dropped
 *   together with every session and sender key of that account (they were
 *   set up with the impostor), so the next message to the contact starts a
 *   new session from a bundle with the key the id commits to, and no safety
 *   number is ever computed from the impostor's key again.
 *
 * Trust 'approved' on a committed key reads as 'first-use' (record-kinds.ts).
 * All of it is one transaction; a vault with nothing to clean writes nothing.
 */
import { accountIdMatches } from '@parley/crypto-core';
import type { DurableRecords } from './durable-records.js';
import { RecordKinds } from './record-kinds.js';

export interface LegacyCleanup {
  readonly refusedKeysDropped: number;
  /** Accounts whose recorded key was an impostor's, now forgotten with their sessions. */
  readonly impostorKeysDropped: number;
}

export async function dropLegacyIdentities(records: DurableRecords): Promise<LegacyCleanup> {
  const refused = records.entriesOfKind(RecordKinds.legacyRefusedIdentity);
  const impostors = records
    .entriesOfKind(RecordKinds.remoteIdentity)
    .filter(({ parts: [accountId = ''], value }) => !accountIdMatches(accountId, value.identityKey));
  if (refused.length === 0 && impostors.length === 0) return { refusedKeysDropped: 0, impostorKeysDropped: 0 };
  await records.transaction(async () => {
    for (const { parts } of refused) records.delete(RecordKinds.legacyRefusedIdentity, ...parts);
    for (const { parts } of impostors) {
      const [accountId = ''] = parts;
      records.delete(RecordKinds.remoteIdentity, accountId);
      for (const [deviceId = ''] of records.partsInGroup(RecordKinds.session, accountId)) {
        records.delete(RecordKinds.session, accountId, deviceId);
      }
      for (const rest of records.partsInGroup(RecordKinds.senderKey, accountId)) {
        records.delete(RecordKinds.senderKey, accountId, ...rest);
      }
    }
  });
  return { refusedKeysDropped: refused.length, impostorKeysDropped: impostors.length };
}
