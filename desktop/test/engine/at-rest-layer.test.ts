/**
 * The at-rest layer under Dexie (at-rest/sealing-middleware.ts): every row is
 * stored sealed with only its index values beside it, hashed unless the
 * schema lists them clear; the engine reads plain records back; what is on
 * disk shows no name, account id, body, time or flag; lookups, keys, cursors,
 * counts and liveQuery work through it; tampering fails loudly.
 */
import { openAtRest } from '@parley/crypto-core';
import type { AccountId } from '@parley/crypto-core/wire';
import { Dexie, liveQuery } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexHasher } from '../../src/renderer/engine/at-rest/index-hasher.js';
import { AtRestKeys } from '../../src/renderer/engine/at-rest/keys.js';
import { decodeRow, paddedRowLength } from '../../src/renderer/engine/at-rest/row-codec.js';
import { RowSealer } from '../../src/renderer/engine/at-rest/row-sealer.js';
import { SEALED_FIELD } from '../../src/renderer/engine/at-rest/sealed-table.js';
import { directConversationId, messageSortKey } from '../../src/renderer/engine/conversation-ids.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { EngineError } from '../../src/renderer/engine/errors.js';
import { EngineQueries } from '../../src/renderer/engine/queries.js';
import type { ContactRecord, NewMessageRecord, OutboxTextRecord } from '../../src/renderer/engine/records.js';
import { V4_STORES } from '../../src/renderer/engine/schema.js';
import { memoryDatabase, randomDataKey } from '../support/memory-database.js';
import { rawRows, rawText } from '../support/raw-indexeddb.js';

const ALICE = 'alicealicealicealicealicealice22' as AccountId;
const BOB = 'bobbobbobbobbobbobbobbobbobbob22' as AccountId;
const T0 = 1_796_629_448_887;

const open: EngineDatabase[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

async function database(indexedDB = new IDBFactory(), dataKey = randomDataKey()) {
  const db = await memoryDatabase({ indexedDB, dataKey });
  open.push(db);
  return { db, indexedDB };
}

function contact(accountId: AccountId, displayName: string, verified: boolean): ContactRecord {
  return {
    accountId,
    displayName,
    relayUrl: 'https://relay.example.org',
    verified,
    origin: 'contact-code',
    addedAt: T0 - 5000,
  };
}

function message(conversationId: string, n: number, body: string | null, sentAt = T0 + n): NewMessageRecord {
  const id = `0192aaaa-0000-7000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    conversationId,
    kind: 'text',
    direction: n % 2 === 0 ? 'incoming' : 'outgoing',
    senderAccountId: n % 2 === 0 ? BOB : ALICE,
    sentAt,
    receivedAt: sentAt + 77,
    sortKey: messageSortKey(sentAt, id),
    state: n % 2 === 0 ? 'delivered' : 'sent',
    envelopeId: `0192bbbb-0000-7000-8000-${String(n).padStart(12, '0')}`,
    serverTimestamp: sentAt + 33,
    body,
  };
}

async function fill(db: EngineDatabase): Promise<void> {
  const conversationId = directConversationId(BOB);
  await db.contacts.bulkPut([contact(BOB, 'Bob Example', true), contact(ALICE, 'Alice Sample', false)]);
  await db.conversations.put({
    id: conversationId,
    kind: 'direct',
    peerId: BOB,
    title: null,
    lastActivityAt: T0 + 2,
    lastSortKey: messageSortKey(T0 + 2, 'x'),
    unreadCount: 1,
    preview: 'Meet at Café Nord',
    createdAt: T0 - 5000,
  });
  await db.messages.bulkAdd([
    message(conversationId, 0, 'Lunch at Café Nord, Rue Sainte 12?'),
    message(conversationId, 1, 'Meet at Café Nord'),
    message(conversationId, 2, null),
  ]);
  const item: OutboxTextRecord = {
    kind: 'text',
    messageId: message(conversationId, 1, null).id,
    recipient: BOB,
    conversationId,
    attempts: 2,
    nextAttemptAt: T0 + 9000,
    lastError: 'UNAVAILABLE',
    createdAt: T0 + 1,
  };
  await db.outbox.add(item);
  await db.receivedEnvelopes.add({ envelopeIds: ['0192cccc-0000-7000-8000-000000000001'], receivedAt: T0 + 77 });
  await db.relays.put({
    url: 'https://relay.example.org',
    role: 'home',
    trustRoot: 'dHJ1c3Q=',
    registeredAt: T0,
    addedAt: T0,
  });
  await db.putSetting('account', { accountId: ALICE, deviceId: 1, registrationId: 4242 });
}

describe('what the disk holds', () => {
  it('no name, account id, body, preview, time or flag, only index values and one sealed blob per row', async () => {
    const { db, indexedDB } = await database();
    await fill(db);
    const text = await rawText(indexedDB);
    for (const secret of [
      'Bob Example',
      'Alice Sample',
      ALICE,
      BOB,
      'Café',
      'Rue Sainte',
      'relay.example.org',
      'direct:',
      '0192aaaa',
      '0192bbbb',
      '0192cccc',
      String(T0).slice(0, 8),
      'verified',
      'incoming',
      'delivered',
      'UNAVAILABLE',
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    // Each stored row: its index key paths (hashes, or the clear ones) and the sealed blob; nothing else.
    for (const row of await rawRows(indexedDB)) {
      const value = row.value as Record<string, unknown>;
      const spec = V4_STORES[row.store as keyof typeof V4_STORES];
      const paths = spec
        .replaceAll(/[[\]&*+]/gu, ' ')
        .split(/[ ,]+/u)
        .filter(Boolean);
      for (const field of Object.keys(value))
        expect([...paths, SEALED_FIELD], `${row.store}.${field}`).toContain(field);
      expect(value[SEALED_FIELD]).toBeInstanceOf(Uint8Array);
    }
    // ...and the engine reads it all back.
    expect(await db.contacts.get(BOB)).toEqual(contact(BOB, 'Bob Example', true));
    expect((await db.conversations.get(directConversationId(BOB)))?.preview).toBe('Meet at Café Nord');
    expect(await db.getSetting('account')).toEqual({ accountId: ALICE, deviceId: 1, registrationId: 4242 });
  });

  it('keeps positions and auto-increment counters clear, and hashes the same value differently per table', async () => {
    const { db, indexedDB } = await database();
    await fill(db);
    const rows = await rawRows(indexedDB);
    const stored = (store: string) =>
      rows.filter((row) => row.store === store).map((row) => row.value as Record<string, unknown>);
    expect(stored('messages').map((row) => row.position)).toEqual(
      (await db.messages.toArray()).map((row) => row.position),
    );
    expect(stored('outbox')[0]?.seq).toBe(1);
    const contactHash = stored('contacts').map((row) => row.accountId);
    const recipientHash = stored('outbox')[0]?.recipient;
    expect(typeof recipientHash).toBe('string');
    expect(contactHash).not.toContain(recipientHash);
    // Rows are padded to buckets: a short and a longer body seal to the same size.
    const sizes = stored('messages').map((row) => (row[SEALED_FIELD] as Uint8Array).byteLength);
    expect(new Set(sizes.slice(0, 2)).size).toBe(1);
    expect(paddedRowLength(300)).toBe(512);
  });
});

describe('reading and writing through the layer', () => {
  it('answers equality lookups, keys, counts, cursors, updates and deletes as plain records', async () => {
    const { db } = await database();
    await fill(db);
    const conversationId = directConversationId(BOB);
    const unread = await db.messages
      .where('[conversationId+direction+state]')
      .equals([conversationId, 'incoming', 'delivered'])
      .toArray();
    expect(unread.map((row) => row.body)).toEqual(expect.arrayContaining(['Lunch at Café Nord, Rue Sainte 12?', null]));
    expect(unread).toHaveLength(2);
    expect(await db.messages.toCollection().primaryKeys()).toEqual(
      expect.arrayContaining([message(conversationId, 0, null).id, message(conversationId, 2, null).id]),
    );
    expect(await db.outbox.orderBy('messageId').count()).toBe(1);
    expect(await db.outbox.where('recipient').equals(BOB).count()).toBe(1);
    expect(await db.outbox.where('recipient').equals(ALICE).count()).toBe(0);
    expect((await db.homeRelay())?.url).toBe('https://relay.example.org');
    // Cursor-based reads (a filter) and their keys.
    const outgoing = await db.messages.filter((row) => row.direction === 'outgoing').toArray();
    expect(outgoing.map((row) => row.body)).toEqual(['Meet at Café Nord']);
    const keys = await db.messages
      .where('[conversationId+position]')
      .between([conversationId, ''], [conversationId, '\uffff'])
      .keys();
    expect(keys).toHaveLength(3);
    expect(keys.every((key) => Array.isArray(key) && (key as unknown[])[0] === conversationId)).toBe(true);
    const contactKeys = await db.contacts.orderBy(':id').keys();
    expect([...contactKeys].sort()).toEqual([ALICE, BOB].sort());
    // update / modify / delete.
    await db.contacts.update(BOB, { displayName: 'Robert' });
    expect((await db.contacts.get(BOB))?.displayName).toBe('Robert');
    await db.relays.where('role').equals('home').modify({ role: 'known' });
    expect(await db.homeRelay()).toBeUndefined();
    expect(await db.outbox.where('recipient').equals(BOB).delete()).toBe(1);
    await db.contacts.delete(ALICE);
    expect(await db.contacts.toArray()).toHaveLength(1);
  });

  it('keeps byte arrays, and refuses values JSON would change (a Date)', async () => {
    const { db } = await database();
    const settings = db.dexie.table('settings');
    await settings.put({ key: 'bytes', value: { raw: Uint8Array.of(0, 1, 254, 255), list: [Uint8Array.of(7)] } });
    expect(await settings.get('bytes')).toEqual({
      key: 'bytes',
      value: { raw: Uint8Array.of(0, 1, 254, 255), list: [Uint8Array.of(7)] },
    });
    const error = await settings.put({ key: 'date', value: new Date() }).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(EngineError.is(error, 'INTERNAL')).toBe(true);
  });

  it('refuses ranges and order over hashed values instead of answering wrongly', async () => {
    const { db } = await database();
    await fill(db);
    const refusals = [
      () => db.contacts.where('accountId').above('a').toArray(),
      () => db.outbox.where('messageId').anyOf(['a', 'b']).toArray(),
      () => db.messages.where(':id').between('a', 'z').count(),
    ];
    for (const refusal of refusals) {
      const error = await refusal().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(EngineError.is(error, 'INTERNAL'), String(error)).toBe(true);
    }
  });

  it('drives liveQuery over the history index', async () => {
    // liveQuery runs only where a global IndexedDB exists (a browser); Node has none, so lend it one.
    Dexie.dependencies.indexedDB ??= new IDBFactory();
    Dexie.dependencies.IDBKeyRange ??= IDBKeyRange;
    const { db } = await database();
    await fill(db);
    const conversationId = directConversationId(BOB);
    const queries = new EngineQueries(db);
    const seen: number[] = [];
    const failures: unknown[] = [];
    const subscription = liveQuery(() => queries.messageRange(conversationId)).subscribe({
      next: (range) => seen.push(range.messages.length),
      error: (error: unknown) => failures.push(error),
    });
    try {
      await expect.poll(() => seen.at(-1) ?? failures[0]).toBe(3);
      await db.messages.add(message(conversationId, 3, 'one more'));
      await expect.poll(() => seen.at(-1)).toBe(4);
    } finally {
      subscription.unsubscribe();
    }
  });
});

describe('tampering', () => {
  async function rawStore(indexedDB: IDBFactory, store: string) {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('engine-test');
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return { db, tx: db.transaction(store, 'readwrite') };
  }

  it('a sealed row moved to another row, or a row moved to another conversation, fails to open', async () => {
    const { db, indexedDB } = await database();
    await fill(db);
    db.close();
    const rows = await rawRows(indexedDB);
    const contacts = rows.filter((row) => row.store === 'contacts');
    const [first, second] = contacts.map((row) => row.value as Record<string, unknown>);
    const messages = rows.filter((row) => row.store === 'messages').map((row) => row.value as Record<string, unknown>);
    const raw = await rawStore(indexedDB, 'contacts');
    // Bob's sealed record filed under Alice's key.
    raw.tx.objectStore('contacts').put({ ...first, [SEALED_FIELD]: second?.[SEALED_FIELD] });
    await new Promise((resolve) => {
      raw.tx.oncomplete = resolve;
    });
    const rawMessages = raw.db.transaction('messages', 'readwrite');
    // A message re-filed under another conversation's hash.
    rawMessages.objectStore('messages').put({ ...messages[0], conversationId: 'AAAAAAAAAAAAAAAAAAAAAA' });
    await new Promise((resolve) => {
      rawMessages.oncomplete = resolve;
    });
    raw.db.close();

    const reopened = await memoryDatabase({ indexedDB, dataKey: undefined });
    open.push(reopened);
    const error = await reopened.contacts.toArray().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(EngineError.is(error, 'STORAGE')).toBe(true);
  });

  it('a row opens only under its own keys', async () => {
    const indexedDB = new IDBFactory();
    const { db } = await database(indexedDB);
    await fill(db);
    db.close();
    const other = await memoryDatabase({ indexedDB });
    open.push(other);
    const error = await other.settings.toArray().then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(EngineError.is(error, 'STORAGE')).toBe(true);
  });
});

describe('formats', () => {
  it('seals in the format of docs/protocol.md §8: crypto-core (libsodium) opens it', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const sealer = new RowSealer(key);
    const ad = new TextEncoder().encode('messages|abc');
    const sealed = sealer.seal(new TextEncoder().encode('hello'), ad);
    expect(sealed[0]).toBe(1);
    expect(new TextDecoder().decode(await openAtRest(key, sealed, ad))).toBe('hello');
    expect(new TextDecoder().decode(sealer.open(sealed, ad))).toBe('hello');
  });

  it('matches the engine-rows test vector of docs/protocol.md §9', () => {
    const keys = AtRestKeys.fromDataKey(Uint8Array.from({ length: 32 }, (_, i) => i));
    expect(keys.databaseName).toBe('parley-engine-eb70d6eb1c56b7d025d0797717dc0f81');
    const hashed = new IndexHasher(keys.indexValue).hash('contacts\u0000accountId', 'a'.repeat(32));
    expect(hashed).toBe('9oCamvnt5gSo4pLqNgqfRA');
    const sealed = Buffer.from(
      '01ad0407031ebaedbc5b3adcc71aabce5db64b701aa8fdf03a5475e1a53fa00c41ecd775f0a4' +
        '883ff396d2d5ae4ab73a42001275832cd5304e1292196f0128e4de6b81155d5b94fbf1559b03' +
        '4566e7ea3b3c85acb5fcc30d266960afa5f68cc27b21bcbe1bf4da8c53d6be92e7fe4c19d0b9' +
        '8d03a9572300f4beeeb41bec253577e54057393e5a51bbea7e1bec199e5e8bfa631fb2f52122' +
        '2b4d42643809648dafc0eb49d11fac94a1',
      'hex',
    );
    const ad = new TextEncoder().encode(JSON.stringify(['contacts', [['accountId', hashed]]]));
    const padded = new RowSealer(keys.rowValue).open(sealed, ad);
    expect(padded).toHaveLength(128);
    expect(decodeRow(padded)).toEqual({ accountId: 'a'.repeat(32), displayName: 'Alice' });
  });

  it('derives distinct keys and a database name that names no account', () => {
    const dataKey = randomDataKey();
    const keys = AtRestKeys.fromDataKey(dataKey);
    expect(keys.databaseName).toMatch(/^parley-engine-[0-9a-f]{32}$/u);
    expect(Buffer.from(keys.rowValue).equals(Buffer.from(keys.indexValue))).toBe(false);
    expect(AtRestKeys.fromDataKey(dataKey).databaseName).toBe(keys.databaseName);
    expect(AtRestKeys.fromDataKey(randomDataKey()).databaseName).not.toBe(keys.databaseName);
    const hasher = new IndexHasher(keys.indexValue);
    expect(hasher.hash('contacts\u0000accountId', BOB)).toMatch(/^[A-Za-z0-9_-]{22}$/u);
    expect(hasher.hash('contacts\u0000accountId', BOB)).not.toBe(hasher.hash('outbox\u0000recipient', BOB));
    expect(hasher.hash('t\u0000p', '1')).not.toBe(hasher.hash('t\u0000p', 1));
  });
});
