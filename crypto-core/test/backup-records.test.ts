/**
 * The record stream inside a backup (docs/backup-format.md §2), the
 * passphrase rules (§1), and a backup decrypted with libsodium calls alone,
 * exactly as §6 describes.
 */
import sodium from 'libsodium-wrappers-sumo';
import { describe, expect, it } from 'vitest';
import { ARGON2ID_INTERACTIVE } from '../src/at-rest/index.js';
import {
  backupPassphraseStrength,
  generateBackupPassphrase,
  normalizeBackupPassphrase,
} from '../src/backup/passphrase.js';
import { backupKeyFromArgon2id, createBackupKey, encryptBackupWithKey } from '../src/backup/portable.js';
import {
  BACKUP_RECORDS_FORMAT,
  type BackupRecord,
  BackupTally,
  backupBatches,
  backupRecordWeight,
  decodeBackupRecords,
  encodeBackupRecord,
  MAX_BACKUP_RECORD_BYTES,
} from '../src/backup/records.js';
import { concatBytes } from '../src/encoding.js';

const ACCOUNT = 'lljjcgbv4ez6e7tveydepikcbcz4sjsj';

function stream(records: BackupRecord[], withEnd = true): BackupRecord[] {
  const tally = new BackupTally();
  for (const record of records) tally.add(record);
  return withEnd ? [...records, tally.endRecord()] : records;
}

const START: BackupRecord = {
  type: 'backup',
  format: BACKUP_RECORDS_FORMAT,
  version: 1,
  createdAt: 1_700_000_000_000,
  includesIdentity: false,
};

function message(index: number, body: string): BackupRecord {
  return {
    type: 'message',
    id: `m${index}`,
    conversationId: `direct:${ACCOUNT}`,
    kind: 'text',
    direction: 'incoming',
    senderAccountId: ACCOUNT as never,
    sentAt: 1_700_000_000_000 + index,
    receivedAt: null,
    sortKey: `k${index}`,
    state: 'read',
    envelopeId: null,
    serverTimestamp: null,
    body,
  };
}

async function decodeAll(bytes: Uint8Array, sliceSize = 7): Promise<BackupRecord[]> {
  const slices: Uint8Array[] = [];
  for (let offset = 0; offset < bytes.byteLength; offset += sliceSize)
    slices.push(bytes.subarray(offset, offset + sliceSize));
  const out: BackupRecord[] = [];
  for await (const record of decodeBackupRecords(slices)) out.push(record);
  return out;
}

function encodeAll(records: BackupRecord[]): Uint8Array {
  return concatBytes(...records.map(encodeBackupRecord));
}

describe('backup record stream', () => {
  it('round-trips records split anywhere, multi-byte characters and newlines in bodies included', async () => {
    const records = stream([START, message(1, 'héllo ✓\nsecond line'), message(2, '{"type":"end"}')]);
    expect(await decodeAll(encodeAll(records))).toEqual(records);
  });

  it('refuses a stream without its end record, with a wrong summary, or with records after the end', async () => {
    const records = stream([START, message(1, 'a')]);
    await expect(decodeAll(encodeAll(records.slice(0, -1)))).rejects.toMatchObject({ code: 'CORRUPT_BACKUP' });
    const lying = [...records.slice(0, -1), { ...(records.at(-1) as BackupRecord), firstMessageAt: 1 } as BackupRecord];
    await expect(decodeAll(encodeAll(lying))).rejects.toMatchObject({ code: 'CORRUPT_BACKUP' });
    await expect(decodeAll(encodeAll([...records, message(3, 'late')]))).rejects.toMatchObject({
      code: 'CORRUPT_BACKUP',
    });
  });

  it('refuses unknown shapes, a missing backup record, a newer version and overlong lines', async () => {
    const unknown = new TextEncoder().encode(`${JSON.stringify(START)}\n{"type":"mystery"}\n`);
    await expect(decodeAll(unknown)).rejects.toMatchObject({ code: 'CORRUPT_BACKUP' });
    await expect(decodeAll(encodeAll(stream([message(1, 'a')])))).rejects.toMatchObject({ code: 'CORRUPT_BACKUP' });
    const newer = encodeAll(stream([{ ...START, version: 3 } as BackupRecord]));
    await expect(decodeAll(newer)).rejects.toMatchObject({ code: 'UNSUPPORTED_BACKUP' });
    const long = new TextEncoder().encode(`${JSON.stringify(START)}\n${'x'.repeat(MAX_BACKUP_RECORD_BYTES + 10)}`);
    await expect(decodeAll(long, 65_536)).rejects.toMatchObject({ code: 'CORRUPT_BACKUP' });
  });
});

describe('group records (version 2)', () => {
  const group: BackupRecord = { type: 'group', groupId: 'g1', invitedBy: ACCOUNT as never, updatedAt: 5 };
  const change = (id: string): BackupRecord => ({
    type: 'group-change',
    groupId: 'g1',
    changeId: id,
    body: 'eyJ2IjoxfQ==',
    signature: 'AAAA',
  });
  const START2 = { ...START, version: 2 } as BackupRecord;

  it('round-trips groups and their changes, counted in the summary', async () => {
    const records = stream([START2, group, change('c1'), change('c2'), message(1, 'a')]);
    expect(records.at(-1)).toMatchObject({ counts: { groupChanges: 2, messages: 1 } });
    expect(await decodeAll(encodeAll(records))).toEqual(records);
  });

  it('refuses group records in a version 1 stream and a summary that miscounts changes', async () => {
    await expect(decodeAll(encodeAll(stream([START, group])))).rejects.toMatchObject({ code: 'CORRUPT_BACKUP' });
    const records = stream([START2, group, change('c1')]);
    const end = records.at(-1) as Extract<BackupRecord, { type: 'end' }>;
    const lying = [...records.slice(0, -1), { ...end, counts: { ...end.counts, groupChanges: 2 } }];
    await expect(decodeAll(encodeAll(lying))).rejects.toMatchObject({ code: 'CORRUPT_BACKUP' });
    // A version 1 summary has no groupChanges count and still matches.
    expect(stream([START, message(1, 'a')]).at(-1)).not.toHaveProperty('counts.groupChanges');
  });
});

describe('backup batches', () => {
  it('cut by record count and by weight, never empty, order kept', () => {
    const small = Array.from({ length: 1200 }, (_, i) => message(i, 'hi'));
    expect([...backupBatches(small, 500, 4 * 1024 * 1024)].map((batch) => batch.length)).toEqual([500, 500, 200]);
    const long = Array.from({ length: 10 }, (_, i) => message(i, 'x'.repeat(300_000)));
    const batches = [...backupBatches(long, 500, 4 * 1024 * 1024)];
    expect(batches.every((batch) => batch.reduce((sum, r) => sum + backupRecordWeight(r), 0) <= 4 * 1024 * 1024)).toBe(
      true,
    );
    expect(batches.flat()).toEqual(long);
    const huge = [message(1, 'y'.repeat(1_000_000))];
    expect([...backupBatches(huge, 500, 1000)]).toEqual([huge]);
  });
});

describe('backup passphrases', () => {
  it('generates 30 uniform-looking digits in six groups of five', () => {
    const seen = new Set<string>();
    const digitCounts = new Array<number>(10).fill(0);
    for (let i = 0; i < 200; i++) {
      const code = generateBackupPassphrase();
      expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
      seen.add(code);
      for (const digit of code.replace(/ /g, '')) digitCounts[Number(digit)] = (digitCounts[Number(digit)] ?? 0) + 1;
    }
    expect(seen.size).toBe(200);
    // 6,000 digits: each digit within a generous band around 600.
    for (const count of digitCounts) expect(count).toBeGreaterThan(450);
    expect(backupPassphraseStrength(generateBackupPassphrase())).toMatchObject({ acceptable: true, bits: 99 });
  });

  it('treats a generated code the same with or without separators, and other text as typed (NFC)', () => {
    expect(normalizeBackupPassphrase('12345 67890-13579 24680 11223 34455')).toBe('123456789013579246801122334455');
    expect(normalizeBackupPassphrase('Cafe\u0301 au lait')).toBe('Café au lait');
    expect(normalizeBackupPassphrase('1234 5678')).toBe('1234 5678');
  });

  it('refuses weak passphrases with one sentence and accepts strong ones', () => {
    for (const weak of [
      'short',
      'password1234',
      'qwertyuiopasdf',
      'aaaaaaaaaaaaaaaaaaaa',
      'abcdefghijklmnop',
      'abcabcabcabcabcabc',
      'iloveyou2024!',
      'Summer2024Summer',
    ]) {
      const strength = backupPassphraseStrength(weak);
      expect(strength.acceptable, weak).toBe(false);
      expect(strength.reason, weak).toMatch(/^[A-Z].*\.$/);
    }
    for (const strong of [
      'orbit lantern quietly marble 42 harbor',
      'Tq8#vL2!pZ9@rM4$',
      'velvet-crayon-oyster-tundra-9',
    ]) {
      expect(backupPassphraseStrength(strong).acceptable, strong).toBe(true);
    }
  });
});

describe('a backup decrypted with libsodium alone (docs/backup-format.md §6)', () => {
  it('follows the documented steps to the records', async () => {
    await sodium.ready;
    const passphrase = '12345 67890 13579 24680 11223 34455';
    // Written by Parley's code: the key from the normalised passphrase, as the vault derives it.
    const key = await createBackupKey(normalizeBackupPassphrase(passphrase), { kdf: ARGON2ID_INTERACTIVE });
    const records = stream([START, ...Array.from({ length: 400 }, (_, i) => message(i, `body ${i} `.repeat(30)))]);
    const pieces: Uint8Array[] = [];
    for await (const piece of encryptBackupWithKey([encodeAll(records)], key, { chunkSize: 4096 })) pieces.push(piece);
    const data = concatBytes(...pieces);

    // Read with raw libsodium calls only.
    const header = data.subarray(0, 126);
    expect(new TextDecoder().decode(header.subarray(0, 8))).toBe('PARLEYBK');
    expect(sodium.crypto_generichash(32, header.subarray(0, 94), null)).toEqual(header.subarray(94, 126));
    const view = new DataView(header.buffer, header.byteOffset);
    const [ops, mem] = [view.getUint32(10), view.getUint32(14)];
    const compact = passphrase.replace(/[\s-]/g, '');
    const root = sodium.crypto_pwhash(
      32,
      compact,
      header.subarray(22, 38),
      ops,
      mem,
      sodium.crypto_pwhash_ALG_ARGON2ID13,
    );
    const streamKey = sodium.crypto_kdf_derive_from_key(32, 1, 'ParleyBk', root);
    expect(sodium.crypto_kdf_derive_from_key(32, 2, 'ParleyBk', root)).toEqual(header.subarray(62, 94));
    const state = sodium.crypto_secretstream_xchacha20poly1305_init_pull(header.subarray(38, 62), streamKey);
    const plain: Uint8Array[] = [];
    let position = 126;
    for (let first = true; ; first = false) {
      const length = new DataView(data.buffer, data.byteOffset + position).getUint32(0);
      position += 4;
      const opened = sodium.crypto_secretstream_xchacha20poly1305_pull(
        state,
        data.subarray(position, position + length),
        first ? header : null,
      );
      if (opened === false) throw new Error('chunk failed');
      position += length;
      plain.push(opened.message);
      if (opened.tag === sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL) break;
    }
    expect(position).toBe(data.byteLength);
    const lines = new TextDecoder()
      .decode(concatBytes(...plain))
      .trimEnd()
      .split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual(records);
  });

  it('derives the same key from an Argon2id output computed elsewhere', async () => {
    await sodium.ready;
    const key = await createBackupKey('orbit lantern quietly marble 42 harbor', { kdf: ARGON2ID_INTERACTIVE });
    const root = sodium.crypto_pwhash(
      32,
      'orbit lantern quietly marble 42 harbor',
      key.salt,
      key.kdf.opsLimit,
      key.kdf.memLimit,
      sodium.crypto_pwhash_ALG_ARGON2ID13,
    );
    expect(await backupKeyFromArgon2id(root, key)).toEqual(key);
  });
});
