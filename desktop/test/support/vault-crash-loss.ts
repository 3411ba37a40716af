/**
 * Simulates a crash that lost some of a client's vault records: the engine
 * stops, the vault locks (its database checkpointed), the rows matching are
 * deleted from the vault's SQLite file (opened with the vault key from the
 * client's in-memory keychain), then the vault unlocks and a new engine
 * starts on the same profile. The vault loads what is left, as after a
 * crash that never wrote those records.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RECORD_KINDS_BY_NAME } from '../../src/vault/record-kinds.js';
import { RowSealer } from '../../src/vault/sealed-rows.js';
import { parseLogicalKey } from '../../src/vault/staged-records.js';
import { deriveVaultSubkeys } from '../../src/vault/vault-subkeys.js';
import type { TestClient } from './test-client.js';

/** Deletes the vault rows of `kind` whose key parts pass `test`; restarts the client. Answers how many went. */
export async function loseVaultRecords(
  client: TestClient,
  kind: string,
  test: (parts: readonly string[]) => boolean,
): Promise<number> {
  if (client.keychain === null) throw new Error('needs a client with os-keychain protection');
  if (!RECORD_KINDS_BY_NAME.has(kind)) throw new Error(`unknown record kind ${kind}`);
  await client.engine.stop();
  await client.vault.lock({});
  const keyFile = JSON.parse(readFileSync(join(client.profileDir, 'vault-key.json'), 'utf8')) as {
    wrappedKey: string;
  };
  const vaultKey = await client.keychain.decrypt(Buffer.from(keyFile.wrappedKey, 'base64'));
  const sealer = new RowSealer(deriveVaultSubkeys(vaultKey));
  const db = new Database(join(client.profileDir, 'vault.sqlite'));
  let deleted = 0;
  try {
    const rows = db.prepare('SELECT id, sealed FROM vault_rows').all() as Array<{ id: Buffer; sealed: Buffer }>;
    const remove = db.prepare('DELETE FROM vault_rows WHERE id = ?');
    for (const row of rows) {
      const { kindName, parts } = parseLogicalKey((await sealer.open(row.id, row.sealed)).logicalKey);
      if (kindName === kind && test(parts)) deleted += remove.run(row.id).changes;
    }
  } finally {
    db.close();
  }
  await client.vault.unlock({});
  client.engine = client.newEngine();
  await client.engine.start();
  return deleted;
}
