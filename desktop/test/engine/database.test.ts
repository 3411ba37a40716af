/**
 * The Dexie schema: its tables and indexes, version 2 migrating what version 1
 * kept for reviewing changed keys, a further version migrating the current
 * one (the path every later schema change takes), and paging a conversation
 * of 100,000 messages through [conversationId+sortKey].
 */
import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { messageSortKey } from '../../src/renderer/engine/conversation-ids.js';
import { silentLogger } from '../../src/renderer/engine/logger.js';
import { EngineQueries } from '../../src/renderer/engine/queries.js';
import type { ContactRecord, MessageRecord, OutboxRecord } from '../../src/renderer/engine/records.js';
import { SCHEMA_VERSION, SCHEMA_VERSIONS, V1_STORES } from '../../src/renderer/engine/schema.js';
import { memoryDatabase, testCipher } from '../support/memory-database.js';

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

describe('the schema', () => {
  it('has every table with its indexes', async () => {
    const db = await memoryDatabase();
    expect(SCHEMA_VERSION).toBe(2);
    const tables = Object.fromEntries(
      db.dexie.tables.map((table) => [
        table.name,
        { primaryKey: table.schema.primKey.name, indexes: table.schema.indexes.map((index) => index.name).sort() },
      ]),
    );
    expect(Object.keys(tables).sort()).toEqual(Object.keys(V1_STORES).sort());
    expect(tables.messages).toEqual({
      primaryKey: 'id',
      indexes: ['[conversationId+direction+state]', '[conversationId+sortKey]', 'envelopeId'],
    });
    expect(tables.conversations?.indexes).toEqual(['[kind+peerId]', 'lastActivityAt']);
    expect(tables.outbox).toEqual({ primaryKey: 'seq', indexes: ['messageId', 'nextAttemptAt', 'recipient'] });
    expect(tables.receivedEnvelopes?.primaryKey).toBe('envelopeId');
    expect(tables.relays).toEqual({ primaryKey: 'url', indexes: ['role'] });
    db.close();
  });
});

describe('version 2: no key is ever up for review', () => {
  it('drops the review marker, fails texts held for a review, makes held receipts due, keeps old notices', async () => {
    const indexedDB = new IDBFactory();
    const v1 = await memoryDatabase({ name: 'held', indexedDB, versions: SCHEMA_VERSIONS.slice(0, 1) });
    const conversationId = `direct:${ALICE}`;
    const message = (id: string, kind: MessageRecord['kind'], state: MessageRecord['state']): MessageRecord => ({
      id,
      conversationId,
      kind,
      direction: kind === 'text' ? 'outgoing' : 'incoming',
      senderAccountId: ALICE,
      sentAt: 10,
      receivedAt: null,
      sortKey: messageSortKey(10, id),
      state,
      envelopeId: null,
      serverTimestamp: null,
      body: null,
    });
    // Rows as version 1 wrote them, with the fields it had.
    await v1.contacts.add({ ...contact(ALICE), identityChangedAt: 5 } as ContactRecord);
    await v1.messages.bulkAdd([
      message('held-text', 'text', 'sending'),
      message('free-text', 'text', 'sending'),
      message('old-notice', 'identity-changed', 'read'),
    ]);
    const item = { recipient: ALICE, conversationId, attempts: 0, lastError: null, createdAt: 1 };
    const NEVER = Number.MAX_SAFE_INTEGER;
    await v1.outbox.bulkAdd([
      { ...item, kind: 'text', messageId: 'held-text', nextAttemptAt: NEVER, heldForIdentity: true },
      {
        ...item,
        kind: 'receipt',
        receiptKind: 'delivery',
        messageIds: ['m'],
        nextAttemptAt: NEVER,
        heldForIdentity: true,
      },
      { ...item, kind: 'text', messageId: 'free-text', nextAttemptAt: 20, heldForIdentity: false },
    ] as unknown as OutboxRecord[]);
    v1.close();

    const before = Date.now();
    const v2 = await memoryDatabase({ name: 'held', indexedDB });
    expect(v2.dexie.verno).toBe(2);
    expect(await v2.contacts.get(ALICE)).toEqual(contact(ALICE));
    const outbox = await v2.outbox.toArray();
    expect(outbox.map((row) => [row.kind, 'heldForIdentity' in row])).toEqual([
      ['receipt', false],
      ['text', false],
    ]);
    expect(outbox[0]?.nextAttemptAt).toBeGreaterThanOrEqual(before);
    expect(outbox[0]?.nextAttemptAt).toBeLessThanOrEqual(Date.now());
    expect(outbox[1]?.nextAttemptAt).toBe(20);
    // The held text failed (the UI offers Retry); the other one still sends; the old notice stays.
    const messages = await v2.messages.bulkGet(['held-text', 'free-text', 'old-notice']);
    expect(messages.map((row) => row?.state)).toEqual(['failed', 'sending', 'read']);
    expect(messages[2]?.kind).toBe('identity-changed');
    v2.close();
  });
});

describe('migrations', () => {
  it('upgrades the current version to a next one that adds an index and rewrites rows', async () => {
    const indexedDB = new IDBFactory();
    const v1 = await memoryDatabase({ name: 'migrating', indexedDB });
    await v1.contacts.add(contact(ALICE));
    v1.close();

    const v2 = await memoryDatabase({
      name: 'migrating',
      indexedDB,
      versions: [
        ...SCHEMA_VERSIONS,
        {
          version: SCHEMA_VERSION + 1,
          stores: { ...V1_STORES, contacts: 'accountId, nickname' },
          upgrade: async (tx) => {
            await tx
              .table('contacts')
              .toCollection()
              .modify((row: Record<string, unknown>) => {
                row.nickname = `${String(row.displayName)} (migrated)`;
              });
          },
        },
      ],
    });
    expect(v2.dexie.verno).toBe(SCHEMA_VERSION + 1);
    const migrated = (await v2.contacts.get(ALICE)) as ContactRecord & { nickname?: string };
    expect(migrated.nickname).toBe('Alice (migrated)');
    expect(await v2.contacts.where('nickname').equals('Alice (migrated)').count()).toBe(1);
    v2.close();
  });
});

describe('a conversation of 100,000 messages', () => {
  it('pages through the [conversationId+sortKey] index, reading one page, not the conversation', async () => {
    const db = await memoryDatabase();
    const cipher = await testCipher();
    const conversationId = `direct:${ALICE}`;
    // One sealed body shared by every row keeps the setup fast (it opens only under its own id: bodies read as null).
    const body = await cipher.seal({ table: 'messages', field: 'body', id: 'shared' }, 'x');
    const total = 100_000;
    const rows: MessageRecord[] = [];
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
        body,
      });
    }
    // Another conversation interleaved in the same index must not leak into pages.
    rows.push({
      ...rows[5],
      id: 'other',
      conversationId: 'direct:other',
      sortKey: messageSortKey(1_800_000_000_000, 'x'),
    } as MessageRecord);
    for (let i = 0; i < rows.length; i += 10_000) await db.messages.bulkAdd(rows.slice(i, i + 10_000));

    const queries = new EngineQueries(db, cipher, silentLogger);
    const started = performance.now();
    const newest = await queries.messagePage(conversationId, { limit: 50 });
    const newestMs = performance.now() - started;
    expect(newest.messages).toHaveLength(50);
    expect(newest.hasOlder).toBe(true);
    expect(newest.messages.at(-1)?.sentAt).toBe(1_700_000_000_000 + total - 1);
    expect(newest.messages[0]?.sentAt).toBe(1_700_000_000_000 + total - 50);

    const firstSortKey = newest.messages[0]?.sortKey;
    const older = await queries.messagePage(conversationId, {
      limit: 50,
      ...(firstSortKey ? { before: firstSortKey } : {}),
    });
    expect(older.messages.at(-1)?.sentAt).toBe(1_700_000_000_000 + total - 51);

    const oldestKey = rows[50]?.sortKey;
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
