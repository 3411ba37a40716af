/**
 * The SQLite store's limits beyond the shared contract: the SQL twin of the
 * decoded-length rule, the migration that counts queues already stored, and
 * a queue cap that holds with two processes writing to one file.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64DecodedLength } from '@parley/crypto-core/wire';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodedLengthSql, SCHEMA_MIGRATIONS } from '../../src/storage/sqlite-migrations.js';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import { NOW, newEnvelope, newIdentity } from './store-fixtures.js';
import { spawnTsChild } from './ts-child.js';

describe('SqliteRelayStore limits', () => {
  let folder: string;
  let dataDir: string;

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'parley-relay-limits-'));
    dataDir = join(folder, 'data');
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('computes decoded lengths in SQL exactly as base64DecodedLength does', () => {
    const db = new Database(':memory:');
    try {
      const samples = ['', 'QQ==', 'QUI=', 'QUJD', 'not base64', 'A=', '==', 'AAAAAAAA=='];
      for (let bytes = 0; bytes < 40; bytes++) samples.push(Buffer.alloc(bytes, bytes).toString('base64'));
      const select = db.prepare<[string], { size: number }>(
        `SELECT ${decodedLengthSql('c')} AS size FROM (SELECT ? AS c)`,
      );
      for (const sample of samples)
        expect(select.get(sample)?.size, JSON.stringify(sample)).toBe(base64DecodedLength(sample));
    } finally {
      db.close();
    }
  });

  it('counts the envelopes a version-1 database already queued when it migrates', async () => {
    const recipient = newIdentity().accountId;
    {
      const store = new SqliteRelayStore({ dataDir });
      await store.init();
      await store.close();
    }
    // Rebuild the file as version 1 with a queue of 3 envelopes in it.
    const path = join(dataDir, 'relay.sqlite');
    await rm(path);
    const v1 = new Database(path);
    v1.exec(SCHEMA_MIGRATIONS[0]?.sql ?? '');
    v1.pragma('user_version = 1');
    const insert = v1.prepare(
      'INSERT INTO envelopes (id, recipient, device_id, type, content, server_timestamp, expires_at) VALUES (?, ?, 1, ?, ?, ?, ?)',
    );
    for (let index = 0; index < 3; index++) {
      const envelope = newEnvelope(recipient, { contentBytes: 100 });
      insert.run(envelope.id, recipient, 'sealed', envelope.content, NOW, NOW + 1000);
    }
    v1.close();

    const store = new SqliteRelayStore({ dataDir });
    await store.init();
    try {
      const sender = newIdentity().accountId;
      const limits = { maxQueueEnvelopes: 4, maxQueueBytes: 1e9, dailySendBytes: 1e9, now: NOW };
      const byBytes = { ...limits, maxQueueEnvelopes: 100, maxQueueBytes: 399 };
      const send = () => ({ sender, envelopes: [newEnvelope(recipient, { contentBytes: 100 })] });
      // 300 bytes are queued: 100 more would pass 399.
      expect((await store.commitSends([send()], byBytes))[0]?.ok).toBe(false);
      expect((await store.commitSends([send(), send()], limits)).map((outcome) => outcome.ok)).toEqual([true, false]);
    } finally {
      await store.close();
    }
  });

  it('holds a queue cap with two processes committing to one device at once', async () => {
    const recipient = newIdentity().accountId;
    const store = new SqliteRelayStore({ dataDir });
    await store.init();
    await store.close();
    const children = [0, 1].map(() => spawnTsChild('./child-send-committer.ts', [dataDir, recipient, '120', '150']));
    await Promise.all(children.map((child) => child.waitForLine((line) => line === 'READY')));
    for (const child of children) child.process.stdin?.write('GO\n');
    const stored = await Promise.all(
      children.map(async (child) =>
        Number((await child.waitForLine((line) => line.startsWith('STORED '), 60_000)).slice(7)),
      ),
    );
    await Promise.all(children.map((child) => child.exited));
    // 240 attempts against a cap of 150: exactly 150 stored, however the two interleaved.
    expect(stored.reduce((sum, count) => sum + count, 0)).toBe(150);
    const reopened = new SqliteRelayStore({ dataDir });
    await reopened.init();
    try {
      expect(await reopened.countEnvelopes()).toBe(150);
    } finally {
      await reopened.close();
    }
  }, 90_000);
});
