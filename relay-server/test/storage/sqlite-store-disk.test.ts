/**
 * SqliteRelayStore on disk: durability settings read back from SQLite, the
 * files and their modes, online backup, and schema migrations.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { RelayStoreError, RelayStoreErrorCode } from '../../src/storage/relay-store-errors.js';
import {
  checkDurability,
  parseSqliteSynchronous,
  type SqliteSettingsReadback,
  type SqliteSynchronousLevel,
} from '../../src/storage/sqlite-durability.js';
import { databaseFiles } from '../../src/storage/sqlite-files.js';
import { prepareLimitStatements, type SqliteLimitStatements } from '../../src/storage/sqlite-limit-statements.js';
import { LATEST_SCHEMA_VERSION, SCHEMA_MIGRATIONS } from '../../src/storage/sqlite-migrations.js';
import { prepareStatements, type SqliteStatements } from '../../src/storage/sqlite-statements.js';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import { modeOf, useSqliteFolder } from './sqlite-folder.js';
import { NOW, newEnvelope, newIdentity, oneTimePreKeys, registration } from './store-fixtures.js';

describe('SqliteRelayStore on disk', () => {
  const sqlite = useSqliteFolder();
  const opened = sqlite.opened;
  let folder: string;
  let dataDir: string;
  beforeEach(() => {
    folder = sqlite.folder;
    dataDir = sqlite.dataDir;
  });
  const open = sqlite.open;
  const databasePath = sqlite.databasePath;

  describe('durability settings', () => {
    it('uses WAL with synchronous=FULL by default, read back from SQLite, and promises power-loss safety', async () => {
      const store = new SqliteRelayStore({ dataDir });
      opened.push(store);
      expect(await store.init()).toEqual({
        engine: 'sqlite',
        survivesProcessCrash: true,
        survivesPowerLoss: true,
        settings: {
          journal_mode: 'wal',
          synchronous: 'FULL',
          foreign_keys: 'on',
          secure_delete: 'on',
          busy_timeout_ms: '5000',
          ...(process.platform === 'darwin' ? { fullfsync: 'on' } : {}),
        },
      });
      // WAL is a property of the file: an independent connection sees it too.
      const observer = new Database(databasePath(), { readonly: true });
      expect(observer.pragma('journal_mode', { simple: true })).toBe('wal');
      observer.close();
    });

    it('with synchronous=NORMAL promises only process-crash safety', async () => {
      const report = await (await open({ synchronous: 'NORMAL', busyTimeoutMs: 250 })).init();
      expect(report).toMatchObject({
        survivesProcessCrash: true,
        survivesPowerLoss: false,
        settings: { journal_mode: 'wal', synchronous: 'NORMAL', busy_timeout_ms: '250' },
      });
    });

    it('accepts EXTRA, which promises what FULL does', async () => {
      const report = await (await open({ synchronous: 'EXTRA' })).init();
      expect(report).toMatchObject({ survivesPowerLoss: true, settings: { synchronous: 'EXTRA' } });
    });

    it('refuses an unsupported setting loudly, before creating anything', async () => {
      const fromConfiguration: string = 'OFF';
      const store = new SqliteRelayStore({ dataDir, synchronous: fromConfiguration as SqliteSynchronousLevel });
      const error = await store.init().then(
        () => null,
        (reason: unknown) => reason,
      );
      expect(RelayStoreError.is(error, RelayStoreErrorCode.UnsupportedSetting)).toBe(true);
      expect(String(error)).toMatch(/synchronous=OFF is not supported/);
      expect(existsSync(dataDir)).toBe(false);

      const badTimeout = new SqliteRelayStore({ dataDir, busyTimeoutMs: -1 });
      await expect(badTimeout.init()).rejects.toMatchObject({ code: RelayStoreErrorCode.UnsupportedSetting });
    });

    it('parses configured levels case-insensitively and refuses the rest', () => {
      expect(parseSqliteSynchronous('full')).toBe('FULL');
      expect(parseSqliteSynchronous(' Normal ')).toBe('NORMAL');
      for (const text of ['off', 'OFF', '', '2', 'fast']) {
        expect(() => parseSqliteSynchronous(text)).toThrow(RelayStoreError);
      }
    });

    it('fails with DURABILITY_MISMATCH, naming each difference, when SQLite reads back other settings', () => {
      const asked = { synchronous: 'FULL', busyTimeoutMs: 5000 } as const;
      const honoured: SqliteSettingsReadback = {
        journalMode: 'wal',
        synchronous: 'FULL',
        foreignKeys: true,
        secureDelete: true,
        busyTimeoutMs: 5000,
        fullFsync: process.platform === 'darwin',
      };
      expect(checkDurability(asked, honoured).survivesPowerLoss).toBe(true);

      const ignored = { ...honoured, journalMode: 'delete', synchronous: 'NORMAL', foreignKeys: false };
      let error: unknown;
      try {
        checkDurability(asked, ignored);
      } catch (thrown) {
        error = thrown;
      }
      expect(RelayStoreError.is(error, RelayStoreErrorCode.DurabilityMismatch)).toBe(true);
      const message = String(error);
      expect(message).toMatch(/journal_mode is delete, expected wal/);
      expect(message).toMatch(/synchronous is NORMAL, expected FULL/);
      expect(message).toMatch(/foreign_keys is off/);
    });
  });

  describe('files', () => {
    it('creates the data folder 0700 and the database, WAL and shared-memory files 0600', async () => {
      const store = await open();
      await store.insertEnvelopes([newEnvelope(newIdentity().accountId)]);
      expect(await modeOf(dataDir)).toBe(0o700);
      for (const file of databaseFiles(databasePath())) {
        expect(existsSync(file)).toBe(true);
        expect({ file, mode: await modeOf(file) }).toEqual({ file, mode: 0o600 });
      }
    });

    it('tightens a database file readable by others, and leaves an existing folder’s mode alone', async () => {
      await mkdir(dataDir, { mode: 0o755 });
      await chmod(dataDir, 0o755);
      await writeFile(databasePath(), '');
      await chmod(databasePath(), 0o644);
      await open();
      expect(await modeOf(databasePath())).toBe(0o600);
      expect(await modeOf(dataDir)).toBe(0o755);
    });

    it('opens one connection when init() is called concurrently', async () => {
      const store = new SqliteRelayStore({ dataDir });
      opened.push(store);
      const [first, second] = await Promise.all([store.init(), store.init()]);
      expect(second).toBe(first);
      expect(await store.init()).toBe(first);
      expect(store.databasePath).toBe(databasePath());
    });

    it('accepts the database file’s path instead of a folder', async () => {
      const path = join(dataDir, 'custom.db');
      const store = new SqliteRelayStore({ path });
      opened.push(store);
      await store.init();
      expect(store.databasePath).toBe(path);
      expect(await modeOf(path)).toBe(0o600);
    });

    it('keeps everything across close and reopen, and seq keeps rising', async () => {
      const first = await open();
      const identity = newIdentity();
      await first.registerDevice(registration(identity, { preKeys: oneTimePreKeys(1, 3) }));
      const stored = await first.insertEnvelopes([newEnvelope(identity.accountId), newEnvelope(identity.accountId)]);
      const challenge = Buffer.alloc(32, 1).toString('base64');
      await first.putChallenge({ challenge, accountId: identity.accountId, deviceId: 1, expiresAt: NOW + 1000 });
      const account = await first.getAccount(identity.accountId);
      // Delete the highest seq before closing: it must not be handed out again.
      await first.deleteEnvelopes(identity.accountId, 1, [stored[1]?.id ?? '']);
      await first.close();

      const second = await open();
      expect(await second.getAccount(identity.accountId)).toEqual(account);
      expect(await second.countPreKeys(identity.accountId, 1)).toEqual({ preKeys: 3, kyberPreKeys: 5 });
      expect(await second.fetchEnvelopes(identity.accountId, 1, 0, 10, NOW)).toStrictEqual(stored.slice(0, 1));
      expect(await second.consumeChallenge(challenge, identity.accountId, 1, NOW)).toBe(true);
      const [next] = await second.insertEnvelopes([newEnvelope(identity.accountId)]);
      expect(next?.seq).toBeGreaterThan(stored[1]?.seq ?? Number.POSITIVE_INFINITY);
    });
  });

  describe('backup', () => {
    it('copies the live database online to a new 0600 file that opens as a store with the same data', async () => {
      const store = await open();
      const identity = newIdentity();
      await store.registerDevice(registration(identity));
      const stored = await store.insertEnvelopes([newEnvelope(identity.accountId)]);
      const backupPath = join(folder, 'backup', 'relay-backup.sqlite');
      await mkdir(join(folder, 'backup'), { mode: 0o700 });
      await store.backupTo(backupPath);
      expect(await modeOf(backupPath)).toBe(0o600);
      await expect(store.backupTo(backupPath)).rejects.toMatchObject({ code: 'EEXIST' });

      const restored = await open({ path: backupPath });
      expect(await restored.getAccount(identity.accountId)).toEqual(await store.getAccount(identity.accountId));
      expect(await restored.fetchEnvelopes(identity.accountId, 1, 0, 10, NOW)).toStrictEqual(stored);
    });
  });

  describe('schema', () => {
    it('numbers migrations 1..n and records the latest in user_version', async () => {
      expect(SCHEMA_MIGRATIONS.map((migration) => migration.version)).toEqual(
        Array.from({ length: LATEST_SCHEMA_VERSION }, (_, index) => index + 1),
      );
      await (await open()).close();
      await (await open()).close(); // reopening migrates nothing twice
      const observer = new Database(databasePath(), { readonly: true });
      expect(observer.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
      expect(observer.pragma('integrity_check', { simple: true })).toBe('ok');
      observer.close();
    });

    it('refuses a database written by a newer relay with SCHEMA_TOO_NEW', async () => {
      await (await open()).close();
      const writer = new Database(databasePath());
      writer.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
      writer.close();
      const store = new SqliteRelayStore({ dataDir });
      await expect(store.init()).rejects.toMatchObject({ code: RelayStoreErrorCode.SchemaTooNew });
      expect(store.databasePath).toBeNull();
    });

    it('migration 3 gives existing devices a random generation and no install, so their next registration takes over', async () => {
      const legacy = newIdentity();
      mkdirSync(dataDir, { recursive: true });
      const writer = new Database(databasePath());
      writer.exec(SCHEMA_MIGRATIONS[0]?.sql ?? '');
      writer.pragma('user_version = 1');
      const key = Buffer.alloc(33, 5);
      writer
        .prepare(`INSERT INTO accounts (account_id, identity_key, created_at) VALUES (?, ?, ?)`)
        .run(legacy.accountId, legacy.identityKeyBytes, NOW);
      const insertDevice = writer.prepare(
        `INSERT INTO devices (account_id, device_id, registration_id, created_at, signed_prekey_id, signed_prekey,
           signed_prekey_signature, last_resort_kyber_id, last_resort_kyber_prekey, last_resort_kyber_signature)
         VALUES (?, ?, 7, ?, 1, ?, ?, 2, ?, ?)`,
      );
      for (const deviceId of [1, 2]) insertDevice.run(legacy.accountId, deviceId, NOW, key, key, key, key);
      writer.close();

      const store = await open();
      const devices = (await store.getAccount(legacy.accountId))?.devices ?? [];
      expect(devices.map((device) => device.installationId)).toEqual([null, null]);
      const generations = devices.map((device) => Buffer.from(device.generation, 'base64'));
      expect(generations.map((generation) => generation.length)).toEqual([16, 16]);
      expect(generations[0]?.equals(generations[1] ?? Buffer.alloc(0))).toBe(false);

      await store.insertEnvelopes([newEnvelope(legacy.accountId)]);
      expect(await store.registerDevice(registration(legacy))).toMatchObject({ takenOver: true, droppedEnvelopes: 1 });
    });

    it('plans every statement through an index (no full table scan on a hot path)', async () => {
      await (await open()).close();
      const db = new Database(databasePath(), { readonly: true });
      try {
        // The hot paths must use these indexes in particular (a SEARCH through
        // the wrong index can still read a whole queue).
        type StatementName = keyof SqliteStatements | keyof SqliteLimitStatements;
        const expectedIndex: Partial<Record<StatementName, RegExp>> = {
          selectEnvelopes:
            /SEARCH envelopes USING INDEX envelopes_by_queue \(recipient=\? AND device_id=\? AND seq>\?\)/,
          deleteEnvelopesByIds: /SEARCH envelopes USING INDEX sqlite_autoindex_envelopes_1 \(id=\?\)/,
          deleteExpiredEnvelopesChunk: /envelopes_by_expiry \(expires_at<\?\)/,
          // COVERING since the queue_usage triggers (version 2): the ids are collected first.
          deleteEnvelopesFrom: /SEARCH envelopes USING (COVERING )?INDEX envelopes_by_source \(source_account=\?\)/,
          deleteQueueOf: /SEARCH envelopes USING .*INDEX envelopes_by_queue \(recipient=\? AND device_id=\?\)/,
          takeLowestKyberPreKey: /SEARCH kyber_prekeys USING .*INDEX sqlite_autoindex_kyber_prekeys_1/,
          selectQueueUsage: /SEARCH queue_usage USING PRIMARY KEY \(recipient=\? AND device_id=\?\)/,
          deleteSendUsageBefore: /SEARCH send_usage USING .*INDEX send_usage_by_day \(day<\?\)/,
          deleteExpiredInvites: /SEARCH invites USING .*INDEX invites_by_expiry \(expires_at<\?\)/,
          selectStoredEnvelopeIds: /SEARCH envelopes USING .*INDEX sqlite_autoindex_envelopes_1 \(id=\?\)/,
        };
        const statements: Record<StatementName, { readonly source: string }> = {
          ...prepareStatements(db),
          ...prepareLimitStatements(db),
        };
        for (const name of Object.keys(statements) as StatementName[]) {
          const { source } = statements[name];
          // Bind NULL to every parameter: EXPLAIN QUERY PLAN only needs them bound.
          const named = [...new Set(source.match(/@\w+/g) ?? [])];
          const positional = (source.match(/\?/g) ?? []).length;
          const explain = db.prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${source}`);
          const plan = (
            named.length > 0
              ? explain.all(Object.fromEntries(named.map((parameter) => [parameter.slice(1), null])))
              : explain.all(...Array.from({ length: positional }, () => null))
          ).map((row) => row.detail);
          const wanted = expectedIndex[name];
          if (wanted !== undefined)
            expect({ name, plan }).toEqual({ name, plan: expect.arrayContaining([expect.stringMatching(wanted)]) });
          const scans = plan.filter((detail) => /^SCAN (?!json_each|CONSTANT ROW)/.test(detail));
          if (name === 'countEnvelopes')
            expect(scans).toEqual(['SCAN envelopes USING COVERING INDEX envelopes_by_expiry']);
          else expect({ name, scans }).toEqual({ name, scans: [] });
        }
      } finally {
        db.close();
      }
    });
  });
});
