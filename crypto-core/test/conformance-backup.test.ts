/**
 * Conformance vectors for the backup container and record stream
 * (docs/conformance.md; docs/protocol.md §7, docs/backup-format.md): the
 * committed file has the documented header and key schedule, decrypts to the
 * expected records, and every damaged copy or wrong passphrase is refused.
 */
import { describe, expect, it } from 'vitest';
import { argon2id } from '../src/at-rest/passphrase-key.js';
import { deriveBackupKey } from '../src/backup/backup-key.js';
import { decryptBackup } from '../src/backup/decrypt.js';
import { readBackupHeader } from '../src/backup/header.js';
import { normalizeBackupPassphrase } from '../src/backup/passphrase.js';
import { decodeBackupRecords } from '../src/backup/records.js';
import { concatBytes, fromBase64, fromUtf8, toHex } from '../src/encoding.js';
import { CryptoErrorCode } from '../src/errors.js';
import { applyMutation } from '../vectors/backup.js';
import type { BackupVectors } from '../vectors/types.js';
import { expectRefused, loadVectors } from './support/conformance-vectors.js';

const file = loadVectors<BackupVectors>('backup.json');
const { container } = file;
const backup = fromBase64(container.fileBase64);

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

describe('backup vectors', () => {
  it('normalise each typed passphrase as the vault does before Argon2id', () => {
    for (const vector of file.passphraseNormalization) {
      expect(normalizeBackupPassphrase(vector.typed), JSON.stringify(vector.typed)).toBe(vector.normalized);
    }
    expect(normalizeBackupPassphrase(container.passphraseTyped)).toBe(container.passphrase);
  });

  it('have the documented header and key schedule', async () => {
    const header = await readBackupHeader(backup);
    expect(header.kdf).toEqual({ opsLimit: container.opsLimit, memLimit: container.memLimit });
    expect(header.chunkSize).toBe(container.chunkSize);
    expect(toHex(header.salt)).toBe(container.saltHex);
    expect(toHex(header.streamHeader)).toBe(container.streamHeaderHex);
    expect(toHex(header.keyCheck)).toBe(container.keyCheckHex);
    const root = await argon2id(container.passphrase, header.salt, header.kdf, CryptoErrorCode.InvalidEncoding);
    expect(toHex(root)).toBe(container.rootKeyHex);
    const key = await deriveBackupKey(container.passphrase, header);
    expect(toHex(key.streamKey)).toBe(container.streamKeyHex);
    expect(toHex(key.keyCheck)).toBe(container.keyCheckHex);
  });

  it('decrypt to the expected plaintext and records', async () => {
    const plaintext = concatBytes(...(await collect(decryptBackup([backup], container.passphrase))));
    expect(fromUtf8(plaintext)).toBe(container.plaintext);
    const records = await collect(decodeBackupRecords([plaintext]));
    expect(records).toEqual(container.records);
  });

  it('refuse every damaged copy and wrong passphrase with its code', async () => {
    expect(file.mutations.length).toBeGreaterThan(0);
    for (const mutation of file.mutations) {
      const damaged = applyMutation(backup, mutation);
      await expectRefused(
        () => collect(decryptBackup([damaged], mutation.passphrase ?? container.passphrase)),
        mutation.error,
        mutation.name,
      );
    }
  });
});
