/**
 * The Dexie schema: version 2's tables and indexes, a version 3 migrating a
 * version 2 database through the at-rest layer (the path every later schema
 * change takes), and paging a conversation of 100,000 messages through
 * [conversationId+position].
 */
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { messageSortKey } from '../../src/renderer/engine/conversation-ids.js';
import { EngineQueries } from '../../src/renderer/engine/queries.js';
import type { ContactRecord, NewMessageRecord } from '../../src/renderer/engine/records.js';
import { resealRows, SCHEMA_VERSION, SCHEMA_VERSIONS, V4_STORES } from '../../src/renderer/engine/schema.js';
import { memoryDatabase, randomDataKey } from '../support/memory-database.js';
import { rawRows } from '../support/raw-indexeddb.js';

const ALICE = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' as ContactRecord['accountId'];

function contact(accountId: ContactRecord['accountId']): ContactRecord {
  return {
    accountId,
    displayName: 'Alice',
    relayUrl: 'http://127.0.0.1:7447',
    verified: false,
    origin: 'contact-code',
    addedAt: 1,
  };
}

describe('schema version 4', () => {
  it('has every table with its indexes', async () => {
    const db = await memoryDatabase();
    expect(SCHEMA_VERSION).toBe(4);
    const tables = Object.fromEntries(
      db.dexie.tables.map((table) => [
        table.name,
        { primaryKey: table.schema.primKey.name, indexes: table.schema.indexes.map((index) => index.name).sort() },
      ]),
    );
    expect(Object.keys(tables).sort()).toEqual(Object.keys(V4_STORES).sort());
    expect(tables.messages).toEqual({
      primaryKey: 'id',
      indexes: ['[conversationId+direction+state]', '[conversationId+position]'],
    });
    // No index on a time: times are sealed.
    expect(tables.conversations?.indexes).toEqual([]);
    expect(tables.outbox).toEqual({ primaryKey: 'seq', indexes: ['messageId', 'recipient'] });
    expect(tables.receivedEnvelopes).toEqual({ primaryKey: 'seq', indexes: ['envelopeIds'] });
    expect(tables.relays).toEqual({ primaryKey: 'url', indexes: ['role'] });
    expect(tables.groups).toEqual({ primaryKey: 'groupId', indexes: [] });
    expect(tables.groupChanges).toEqual({ primaryKey: 'id', indexes: ['groupId'] });
    expect(tables.groupReceipts).toEqual({ primaryKey: 'id', indexes: ['accountId', 'messageId'] });
    expect(tables.heldActions).toEqual({ primaryKey: 'id', indexes: ['targetMessageId'] });
    expect(tables.expiries).toEqual({ primaryKey: 'messageId', indexes: [] });
    db.close();
  });
});

describe('migrations', () => {
  it('opens a version 2 database as version 3: rows kept, group tables empty', async () => {
    const indexedDB = new IDBFactory();
    const dataKey = randomDataKey();
    const v2 = await memoryDatabase({ name: 'to-v3', indexedDB, dataKey, versions: SCHEMA_VERSIONS.slice(0, 1) });
    expect(v2.dexie.verno).toBe(2);
    await v2.contacts.add(contact(ALICE));
    v2.close();
    const v3 = await memoryDatabase({ name: 'to-v3', indexedDB, dataKey, versions: SCHEMA_VERSIONS.slice(0, 2) });
    expect(v3.dexie.verno).toBe(3);
    expect((await v3.contacts.get(ALICE))?.displayName).toBe('Alice');
    expect(await v3.groups.count()).toBe(0);
    v3.close();
  });

  it('opens a version 3 database as version 4: rows kept, held actions and expiries empty', async () => {
    const indexedDB = new IDBFactory();
    const dataKey = randomDataKey();
    const v3 = await memoryDatabase({ name: 'to-v4', indexedDB, dataKey, versions: SCHEMA_VERSIONS.slice(0, 2) });
    expect(v3.dexie.verno).toBe(3);
    await v3.contacts.add(contact(ALICE));
    v3.close();
    const v4 = await memoryDatabase({ name: 'to-v4', indexedDB, dataKey });
    expect(v4.dexie.verno).toBe(4);
    expect((await v4.contacts.get(ALICE))?.displayName).toBe('Alice');
    expect(await v4.heldActions.count()).toBe(0);
    expect(await v4.expiries.count()).toBe(0);
    v4.close();
  });

  it('upgrades a current database to a next version that adds an index and rewrites rows, all sealed', async () => {
    const indexedDB = new IDBFactory();
    const dataKey = randomDataKey();
    const v2 = await memoryDatabase({ name: 'migrating', indexedDB, dataKey });
    await v2.contacts.add(contact(ALICE));
    await v2.contacts.add({
      ...contact('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' as ContactRecord['accountId']),
      displayName: 'Bob',
    });
    v2.close();

    const v3 = await memoryDatabase({
      name: 'migrating',
      indexedDB,
      dataKey,
      versions: [
        ...SCHEMA_VERSIONS,
        {
          version: SCHEMA_VERSION + 1,
          stores: { ...V4_STORES, contacts: 'accountId, origin' },
          upgrade: async (tx) => {
            await tx
              .table('contacts')
              .toCollection()
              .modify((row: Record<string, unknown>) => {
                row.nickname = `${String(row.displayName)} (migrated)`;
              });
            await resealRows(tx, 'contacts');
          },
        },
      ],
    });
    expect(v3.dexie.verno).toBe(SCHEMA_VERSION + 1);
    // The upgrade read and wrote plain records; the disk still holds sealed rows.
    const migrated = (await v3.contacts.get(ALICE)) as ContactRecord & { nickname?: string };
    expect(migrated.nickname).toBe('Alice (migrated)');
    // The new index holds the rows written before it (resealRows), as keyed hashes.
    expect(await v3.contacts.where('origin').equals('contact-code').count()).toBe(2);
    const text = JSON.stringify(await rawRows(indexedDB));
    expect(text).not.toContain('migrated');
    expect(text).not.toContain('contact-code');
    v3.close();
  });
});

describe('a conversation of 100,000 messages', () => {
  it('pages through the [conversationId+position] index, reading one page, not the conversation', async () => {
    const db = await memoryDatabase();
    const conversationId = `direct:${ALICE}`;
    const total = 100_000;
    const rows: NewMessageRecord[] = [];
    for (let i = 0; i < total; i++) {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      rows.push({
        id,
        conversationId,
        kind: 'text',
        direction: i % 2 === 0 ? 'incoming' : 'outgoing',
        senderAccountId: ALICE,
        sentAt: 1_700_000_000_000 + i,
        receivedAt: null,
        sortKey: messageSortKey(1_700_000_000_000 + i, id),
        state: 'read',
        envelopeId: null,
        serverTimestamp: null,
        body: `message ${i}`,
      });
    }
    // Another conversation interleaved in the same index must not leak into pages.
    rows.push({
      ...rows[5],
      id: 'other',
      conversationId: 'direct:other',
      sortKey: messageSortKey(1_800_000_000_000, 'x'),
    } as NewMessageRecord);
    for (let i = 0; i < rows.length; i += 10_000) await db.messages.bulkAdd(rows.slice(i, i + 10_000));

    const queries = new EngineQueries(db);
    const started = performance.now();
    const newest = await queries.messagePage(conversationId, { limit: 50 });
    const newestMs = performance.now() - started;
    expect(newest.messages).toHaveLength(50);
    expect(newest.hasOlder).toBe(true);
    expect(newest.messages.at(-1)?.sentAt).toBe(1_700_000_000_000 + total - 1);
    expect(newest.messages[0]?.sentAt).toBe(1_700_000_000_000 + total - 50);

    expect(newest.messages.at(-1)?.body).toBe(`message ${total - 1}`);
    const firstPosition = newest.messages[0]?.position;
    const older = await queries.messagePage(conversationId, {
      limit: 50,
      ...(firstPosition ? { before: firstPosition } : {}),
    });
    expect(older.messages.at(-1)?.sentAt).toBe(1_700_000_000_000 + total - 51);

    const oldestKey = (await db.messages.get(rows[50]?.id ?? ''))?.position;
    const oldest = await queries.messagePage(conversationId, {
      limit: 50,
      ...(oldestKey ? { before: oldestKey } : {}),
    });
    expect(oldest.messages).toHaveLength(50);
    expect(oldest.hasOlder).toBe(false);
    expect(oldest.messages[0]?.sentAt).toBe(1_700_000_000_000);
    // A page costs the same at either end of the conversation, and is fast even on fake-indexeddb.
    expect(newestMs).toBeLessThan(1000);
    db.close();
  }, 120_000);
});
