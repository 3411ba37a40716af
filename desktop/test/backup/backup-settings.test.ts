/**
 * A restored backup's setting records (common/backup-settings.ts): a known
 * key with a value of the wrong shape refuses the restore at open, before
 * anything is imported (INVALID_BACKUP_SETTING); a key this build does not
 * restore (a newer app's setting, a device setting that is never exported) is
 * dropped and reported in ignoredSettingKeys, and the rest is imported.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ARGON2ID_INTERACTIVE,
  BACKUP_RECORDS_FORMAT,
  BACKUP_RECORDS_VERSION,
  type BackupRecord,
  BackupTally,
  createBackupKey,
  encodeBackupRecord,
  encryptBackupWithKey,
  generateBackupPassphrase,
  type HistoryRecord,
  normalizeBackupPassphrase,
  writeBackupFile,
} from '@parley/crypto-core';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRestoredSetting } from '../../src/common/backup-settings.js';
import { VaultError } from '../../src/common/dispatch.js';
import { BackupRestores } from '../../src/vault/backup/backup-restore.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-backup-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const passphrase = generateBackupPassphrase();

type Setting = Extract<HistoryRecord, { type: 'setting' }>;
function setting(key: string, value: Setting['value']): Setting {
  return { type: 'setting', key, value };
}

/** A backup without identity holding exactly `history`, written with a valid summary. */
async function backupWith(name: string, history: readonly HistoryRecord[]): Promise<string> {
  const key = await createBackupKey(normalizeBackupPassphrase(passphrase), { kdf: ARGON2ID_INTERACTIVE });
  const tally = new BackupTally();
  async function* lines(): AsyncGenerator<Uint8Array> {
    const records: BackupRecord[] = [
      {
        type: 'backup',
        format: BACKUP_RECORDS_FORMAT,
        version: BACKUP_RECORDS_VERSION,
        createdAt: Date.UTC(2026, 0, 1),
        includesIdentity: false,
      },
      ...history,
    ];
    for (const record of records) {
      tally.add(record);
      yield encodeBackupRecord(record);
    }
    yield encodeBackupRecord(tally.endRecord());
  }
  const path = join(dir, name);
  await writeBackupFile(path, encryptBackupWithKey(lines(), key));
  return path;
}

async function readAll(
  restores: BackupRestores,
  restoreId: string,
): Promise<{ records: HistoryRecord[]; read: number }> {
  const records: HistoryRecord[] = [];
  for (let i = 0; i < 100; i++) {
    const batch = await restores.read(restoreId);
    records.push(...batch.records);
    if (batch.done) return { records, read: batch.read };
  }
  throw new Error('the restore never finished');
}

describe('restored settings', () => {
  it('imports known settings, drops unknown keys and reports them, and still counts them as read', async () => {
    const privacy = setting('privacy', { readReceipts: false, typingIndicators: true });
    const migration = setting('legacyMigration', { state: 'done', at: 1_700_000_000_000 });
    const keys = { codeKey: 'AAECAwQFBgcICQoLDA0ODw==', contactKey: 'EBESExQVFhcYGRobHB0eHw==' };
    const accessKeys = setting('accessKeys', keys);
    const path = await backupWith('mixed.parley-backup', [
      privacy,
      setting('account', { accountId: 'x', deviceId: 1, registrationId: 2 }),
      setting('fancyNewThing', [1, 2, 3]),
      migration,
      accessKeys,
      setting('accessKeysRegistered', keys),
      setting('takenOver', { at: 1 }),
    ]);
    const restores = new BackupRestores(dir);
    const session = await restores.open({ path }, passphrase);
    expect([...session.verified.ignoredSettingKeys].sort()).toEqual([
      'accessKeysRegistered',
      'account',
      'fancyNewThing',
      'takenOver',
    ]);
    expect(session.verified.summary.counts.settings).toBe(7);
    const { records, read } = await readAll(restores, session.id);
    expect(records).toEqual([privacy, migration, accessKeys]);
    expect(read).toBe(7);
    await restores.close(session.id, 'imported');
  });

  it('refuses a known key with a value of the wrong shape before anything is imported', async () => {
    for (const [name, bad] of [
      ['string', setting('privacy', 'on')],
      ['missing field', setting('privacy', { readReceipts: true })],
      ['extra field', setting('privacy', { readReceipts: true, typingIndicators: true, script: 'x' })],
      ['wrong type', setting('privacy', { readReceipts: 'yes', typingIndicators: true })],
      ['bad state', setting('legacyMigration', { state: 'half', at: 1 })],
      ['negative time', setting('legacyMigration', { state: 'done', at: -1 })],
      ['short key', setting('accessKeys', { codeKey: 'AAECAwQFBgcICQoLDA0O', contactKey: 'EBESExQVFhcYGRobHB0eHw==' })],
      [
        'url-safe key',
        setting('accessKeys', { codeKey: 'AAECAwQFBgcICQoLDA0ODw', contactKey: 'EBESExQVFhcYGRobHB0eHw==' }),
      ],
      ['one key', setting('accessKeys', { codeKey: 'AAECAwQFBgcICQoLDA0ODw==' })],
    ] as const) {
      const path = await backupWith(`bad-${name.replace(' ', '-')}.parley-backup`, [
        setting('privacy', { readReceipts: true, typingIndicators: true }),
        bad,
      ]);
      const error = await new BackupRestores(dir).open({ path }, passphrase).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(VaultError.is(error, 'INVALID_BACKUP_SETTING'), name).toBe(true);
      expect((error as Error).message, name).toContain(`setting "${bad.key}" has a value of the wrong shape`);
    }
  });

  it('names where the shape is wrong', () => {
    expect(checkRestoredSetting('privacy', { readReceipts: 1, typingIndicators: true })).toMatchObject({
      status: 'invalid',
      message: expect.stringContaining('at readReceipts'),
    });
    expect(checkRestoredSetting('privacy', { readReceipts: true, typingIndicators: false })).toEqual({
      status: 'known',
    });
    expect(checkRestoredSetting('__proto__', {})).toEqual({ status: 'unknown' });
    expect(checkRestoredSetting('toString', {})).toEqual({ status: 'unknown' });
  });

  it('takes our own profile only in the shape a profile carries (name 1–100, a PNG/JPEG/WebP avatar)', () => {
    const avatar = { contentType: 'image/webp', data: 'UklGRg==' };
    expect(checkRestoredSetting('ownProfile', { name: 'Alice', avatar })).toEqual({ status: 'known' });
    expect(checkRestoredSetting('ownProfile', { name: null, avatar: null })).toEqual({ status: 'known' });
    expect(checkRestoredSetting('ownProfile', { name: 'x'.repeat(101), avatar: null })).toMatchObject({
      status: 'invalid',
      message: expect.stringContaining('at name'),
    });
    expect(
      checkRestoredSetting('ownProfile', { name: null, avatar: { contentType: 'image/svg+xml', data: 'PHN2Zz4=' } }),
    ).toMatchObject({ status: 'invalid', message: expect.stringContaining('at avatar') });
  });
});
