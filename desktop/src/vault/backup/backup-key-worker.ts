/**
 * Backup keys with Argon2id in the vault's short-lived KDF worker
 * (../passphrase-kdf.ts), so the WASM heap's peak never stays in the host
 * process. The passphrase is normalised first (a generated code with or
 * without its spaces is one passphrase).
 */
import {
  type Argon2idParams,
  type BackupHeader,
  type BackupKey,
  backupKeyFromArgon2id,
  generateSalt,
  normalizeBackupPassphrase,
} from '@parley/crypto-core';
import { derivePassphraseKey } from '../passphrase-kdf.js';

/** A key for a new backup: fresh salt, the given Argon2id cost (recorded in the header). */
export async function createBackupKeyInWorker(passphrase: string, kdf: Argon2idParams): Promise<BackupKey> {
  const salt = await generateSalt();
  const root = await derivePassphraseKey({ passphrase: normalizeBackupPassphrase(passphrase), salt, params: kdf });
  return backupKeyFromArgon2id(root, { kdf, salt });
}

/** The key for an existing backup, from its header's salt and parameters (checked against the header later). */
export async function deriveBackupKeyInWorker(
  passphrase: string,
  header: Pick<BackupHeader, 'kdf' | 'salt'>,
): Promise<BackupKey> {
  const root = await derivePassphraseKey({
    passphrase: normalizeBackupPassphrase(passphrase),
    salt: header.salt,
    params: header.kdf,
  });
  return backupKeyFromArgon2id(root, header);
}
