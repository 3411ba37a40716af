/**
 * A client's backup restored on "another computer": the app's own export
 * (identity included) and restore path, into a fresh client whose engine is
 * not started yet (its first start registers, which takes the device over
 * when the original still holds it). Tests give the process its own HOME:
 * the vault writes exports to ~/Parley Backups.
 */
import { readFileSync } from 'node:fs';
import { generateBackupPassphrase } from '@parley/crypto-core';
import { IDBKeyRange } from 'fake-indexeddb';
import { createVaultClient } from '../../src/common/invoke.js';
import { restoreBackup, uploadBackup } from '../../src/renderer/engine/backup/backup-restore.js';
import { TestClient } from './test-client.js';

export interface BackupFile {
  /** The file, as the page hands it to the vault. */
  readonly file: Blob;
  readonly passphrase: string;
}

/** Exports `source`'s backup (identity included). */
export async function exportBackupFile(source: TestClient): Promise<BackupFile> {
  const passphrase = generateBackupPassphrase();
  const exported = await source.engine.exportBackup({ passphrase, includeIdentity: true });
  return { file: new Blob([readFileSync(exported.path)]), passphrase };
}

/** A fresh client (engine not started) with the backup restored into its vault and database. */
export async function restoreBackupFile(name: string, backup: BackupFile): Promise<TestClient> {
  const restored = TestClient.offline(name);
  const vault = createVaultClient(restored.transport);
  const uploadId = await uploadBackup(vault, backup.file);
  await restoreBackup(vault, uploadId, { passphrase: backup.passphrase, indexedDB: restored.indexedDB, IDBKeyRange });
  return restored;
}
