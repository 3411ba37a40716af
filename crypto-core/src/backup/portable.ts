/**
 * The backup container API that runs in Node and in browsers (no Node-only
 * imports): point a browser build's backup entry here.
 */
export {
  type BackupKey,
  type BackupKeyOptions,
  backupKeyFromArgon2id,
  createBackupKey,
  deriveBackupKey,
} from './backup-key.js';
export { type BackupVerification, decryptBackup, decryptBackupWithKey, verifyBackup } from './decrypt.js';
export {
  type BackupWriteOptions,
  type EncryptBackupOptions,
  encryptBackup,
  encryptBackupWithKey,
} from './encrypt.js';
export {
  BACKUP_CHUNK_SIZE_BOUNDS,
  BACKUP_FORMAT_VERSION,
  BACKUP_HEADER_BYTES,
  BACKUP_KDF_ARGON2ID13,
  BACKUP_MAGIC_TEXT,
  type BackupHeader,
  DEFAULT_BACKUP_CHUNK_SIZE,
  readBackupHeader,
} from './header.js';
export * from './passphrase.js';
export * from './records.js';
