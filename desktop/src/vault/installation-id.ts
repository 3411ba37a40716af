/**
 * This install's id (docs/protocol.md §3.1): 16 random bytes the vault makes
 * when it creates an identity and again when it restores one from a backup,
 * so a restored copy is another install to the relay and takes the device
 * over. It is never put in a backup and is shown to relays only (in
 * registrations and token requests). Vaults made before installation ids
 * get one at their first unlock.
 */
import { randomBytes } from 'node:crypto';
import { toBase64 } from '@parley/crypto-core/encoding';
import { INSTALLATION_ID_BYTES } from '@parley/crypto-core/wire';
import type { DurableRecords } from './durable-records.js';
import { RecordKinds } from './record-kinds.js';
import { storageError } from './vault-errors.js';

/** A new installation id (inside the caller's records transaction). */
export function setNewInstallationId(records: DurableRecords): void {
  records.set(RecordKinds.installationId, [], new Uint8Array(randomBytes(INSTALLATION_ID_BYTES)));
}

/** Gives a vault that predates installation ids its own, committed (at unlock). */
export async function ensureInstallationId(records: DurableRecords): Promise<void> {
  if (records.get(RecordKinds.installationId) !== undefined) return;
  await records.transaction(async () => setNewInstallationId(records));
}

/** The installation id as the wire carries it (canonical base64). */
export function readInstallationId(records: DurableRecords): string {
  const id = records.get(RecordKinds.installationId);
  if (id === undefined) throw storageError('the vault has no installation id', null);
  return toBase64(id);
}
