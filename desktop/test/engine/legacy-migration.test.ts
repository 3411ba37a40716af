/**
 * First unlock after the at-rest change: a version 1 database, as the engine
 * of schema version 1 really wrote it (fixtures/v1-profile.json, written by
 * make-v1-profile.ts with that engine), is copied sealed into the version 2
 * database and deleted. Nothing is lost, nothing readable is left, and a
 * crash or failure at any point leaves a profile that the next start
 * migrates whole. What version 1 kept for reviewing a changed key (a key
 * change is now a forgery, never up for review) is not copied.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AccountId } from '@parley/crypto-core/wire';
import { Dexie } from 'dexie';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { AtRestKeys } from '../../src/renderer/engine/at-rest/keys.js';
import { legacyDatabaseName, openProfileDatabase } from '../../src/renderer/engine/at-rest/open-database.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { EngineError } from '../../src/renderer/engine/errors.js';
import { EngineQueries } from '../../src/renderer/engine/queries.js';
import { committedEnvelopeIds } from '../../src/renderer/engine/receive-known-envelopes.js';
import type { ContactRecord, MessageRecord } from '../../src/renderer/engine/records.js';
import { V1_STORES } from '../../src/renderer/engine/schema.js';
import { memoryDatabase } from '../support/memory-database.js';
import { rawText } from '../support/raw-indexeddb.js';

type Row = Record<string, unknown>;

interface Fixture {
  readonly accountId: AccountId;
  readonly contacts: { readonly bob: AccountId; readonly carol: AccountId };
  readonly dataKey: string;
  readonly tables: Record<string, Row[]>;
}

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'v1-profile.json'), 'utf8'),
  (_key, value) =>
    typeof value === 'object' && value !== null && typeof value.$bytes === 'string'
      ? new Uint8Array(Buffer.from(value.$bytes, 'base64'))
      : value,
) as Fixture;
const dataKey = new Uint8Array(Buffer.from(fixture.dataKey, 'base64'));
const LEGACY_NAME = legacyDatabaseName(fixture.accountId);

/** What make-v1-profile.ts had the three clients write. */
const TEXTS = [
  'Hello Bob, lunch at Café Nord?',
  'It is on Rue Sainte 12',
  'See you at noon',
  'Great, I will bring the maps',
  'Running ten minutes late',
  'Carol here: the keys are under the mat',
  'Call me back',
  'Queued while the relay was away',
];

async function writeVersion1(indexedDB: IDBFactory, tables = fixture.tables): Promise<void> {
  const legacy = new Dexie(LEGACY_NAME, { indexedDB, IDBKeyRange });
  legacy.version(1).stores({ ...V1_STORES });
  await legacy.open();
  for (const [name, rows] of Object.entries(tables)) await legacy.table(name).bulkAdd(rows);
  legacy.close();
}

function open(indexedDB: IDBFactory): Promise<EngineDatabase> {
  return openProfileDatabase(dataKey, fixture.accountId, { indexedDB, IDBKeyRange });
}

async function names(indexedDB: IDBFactory): Promise<string[]> {
  return (await indexedDB.databases()).flatMap((database) => (database.name === undefined ? [] : [database.name]));
}

function byId(rows: readonly Row[], key: string): Map<unknown, Row> {
  return new Map(rows.map((row) => [row[key], row]));
}

/** A version 1 row as version 2 keeps it: without the fields for reviewing a changed key. */
function withoutReview(row: Row): Row {
  const { identityChangedAt: _marker, heldForIdentity: _held, ...kept } = row;
  return kept;
}

/** The migrated database holds every version 1 row, bodies and previews as text, history in sort key order. */
async function expectEverything(db: EngineDatabase): Promise<void> {
  const tables = fixture.tables;
  for (const [name, key] of [
    ['contacts', 'accountId'],
    ['relays', 'url'],
    ['settings', 'key'],
    ['outbox', 'seq'],
  ] as const) {
    // The migration's own marker aside.
    const rows = ((await db.dexie.table(name).toArray()) as Row[]).filter((row) => row.key !== 'legacyMigration');
    const migrated = byId(rows, key);
    expect(migrated.size, name).toBe(tables[name]?.length);
    for (const row of tables[name] ?? []) expect(migrated.get(row[key]), name).toStrictEqual(withoutReview(row));
  }
  const conversations = await db.conversations.toArray();
  expect(conversations).toHaveLength(tables.conversations?.length ?? -1);
  for (const row of tables.conversations ?? []) {
    const migrated = conversations.find((conversation) => conversation.id === row.id);
    expect(migrated).toEqual({ ...row, preview: expect.any(String) });
    expect(TEXTS).toContain(migrated?.preview);
  }
  const messages = await db.messages.toArray();
  expect(messages).toHaveLength(TEXTS.length);
  const legacyMessages = byId(tables.messages ?? [], 'id');
  for (const message of messages) {
    const { body, position, ...rest } = message;
    const { body: _sealed, ...legacyRest } = legacyMessages.get(message.id) ?? {};
    expect(rest).toEqual(legacyRest);
    expect(TEXTS).toContain(body);
    expect(position).toMatch(/^[0-9A-Za-z]{8,}$/u);
  }
  expect(messages.map((message) => message.body).sort()).toEqual([...TEXTS].sort());
  for (const conversation of conversations) {
    const history: MessageRecord[] = await db.messages
      .where('[conversationId+position]')
      .between([conversation.id, ''], [conversation.id, '\uffff'])
      .toArray();
    const sortKeys = history.map((message) => message.sortKey);
    expect(sortKeys).toEqual([...sortKeys].sort());
  }
  const envelopeIds = (tables.receivedEnvelopes ?? []).map((row) => String(row.envelopeId));
  expect(await committedEnvelopeIds(db, envelopeIds)).toEqual(new Set(envelopeIds));
  const recorded = (await db.receivedEnvelopes.toArray()).flatMap((row) => row.envelopeIds);
  expect(recorded.sort()).toEqual([...envelopeIds].sort());
}

describe('a version 1 profile, migrated on first unlock', () => {
  it('keeps every row, deletes the old database, and leaves nothing readable on disk', async () => {
    const indexedDB = new IDBFactory();
    await writeVersion1(indexedDB);
    const before = await rawText(indexedDB);
    // The fixture is what this test says it is: everything below is readable in version 1.
    expect(before).toContain('Bob Example');
    expect(before).toContain(fixture.contacts.carol);

    const db = await open(indexedDB);
    try {
      await expectEverything(db);
      expect(await db.getSetting('legacyMigration')).toMatchObject({ state: 'done' });
      expect(await names(indexedDB)).toEqual([AtRestKeys.fromDataKey(dataKey).databaseName]);

      const after = await rawText(indexedDB);
      const timestamps = (fixture.tables.messages ?? []).flatMap((row) => [
        row.sentAt,
        row.receivedAt,
        row.serverTimestamp,
      ]);
      for (const secret of [
        'Bob Example',
        fixture.accountId,
        fixture.contacts.bob,
        fixture.contacts.carol,
        ...TEXTS.map((text) => text.slice(0, 12)),
        ...(fixture.tables.messages ?? []).map((row) => String(row.id)),
        ...(fixture.tables.receivedEnvelopes ?? []).map((row) => String(row.envelopeId)),
        ...timestamps.filter((time) => typeof time === 'number').map((time) => String(time).slice(0, 9)),
        'verified',
        '127.0.0.1',
      ]) {
        expect(after, secret).not.toContain(secret);
      }

      // The engine reads it as before: names, previews, unread counts.
      const list = await new EngineQueries(db).conversations();
      expect(list.map((conversation) => conversation.name).sort()).toEqual(
        ['Bob Example', `${fixture.contacts.carol.slice(0, 8)}…`].sort(),
      );
      expect(list.find((conversation) => conversation.peerId === fixture.contacts.bob)?.contact?.verified).toBe(true);
    } finally {
      db.close();
    }

    // Opening again finds nothing to migrate and changes nothing.
    const again = await open(indexedDB);
    try {
      await expectEverything(again);
    } finally {
      again.close();
    }
  });

  it('starts over when a copy was interrupted, and finishes a migration whose old database was not yet deleted', async () => {
    const indexedDB = new IDBFactory();
    await writeVersion1(indexedDB);
    // A copy that died half way: the marker says copying, and a stray row is there.
    const keys = AtRestKeys.fromDataKey(dataKey);
    const partial = await memoryDatabase({ indexedDB, name: keys.databaseName, dataKey });
    await partial.putSetting('legacyMigration', { state: 'copying', at: 1 });
    await partial.contacts.put({
      ...(fixture.tables.contacts?.[0] as unknown as ContactRecord),
      displayName: 'half-copied',
    });
    partial.close();

    const db = await open(indexedDB);
    const positions = (await db.messages.toArray()).map((row) => row.position).sort();
    await expectEverything(db);
    db.close();

    // Died after the copy was done, before the old database went: only the deletion is left to do.
    await writeVersion1(indexedDB);
    const finished = await open(indexedDB);
    try {
      await expectEverything(finished);
      expect((await finished.messages.toArray()).map((row) => row.position).sort()).toEqual(positions);
      expect(await names(indexedDB)).toEqual([keys.databaseName]);
    } finally {
      finished.close();
    }
  });

  it('a copy that fails keeps the old database whole, and the next start migrates it', async () => {
    const indexedDB = new IDBFactory();
    const messages = fixture.tables.messages ?? [];
    // A row outside the history index (no sort key) cannot be placed: the copy refuses rather than drop it.
    const broken = { ...fixture.tables, messages: [...messages, { ...messages[0], id: 'broken', sortKey: undefined }] };
    await writeVersion1(indexedDB, broken);
    const error = await open(indexedDB).then(
      (db) => {
        db.close();
        return null;
      },
      (caught: unknown) => caught,
    );
    expect(EngineError.is(error, 'STORAGE')).toBe(true);
    expect(await names(indexedDB)).toContain(LEGACY_NAME);

    // Repaired (here: the row removed by hand), the next start copies everything.
    const legacy = new Dexie(LEGACY_NAME, { indexedDB, IDBKeyRange });
    await legacy.open();
    await legacy.table('messages').delete('broken');
    legacy.close();
    const db = await open(indexedDB);
    try {
      await expectEverything(db);
      expect(await names(indexedDB)).not.toContain(LEGACY_NAME);
    } finally {
      db.close();
    }
  });

  it('drops the review marker, fails texts held for a review, makes held receipts due, keeps old notices', async () => {
    const indexedDB = new IDBFactory();
    const tables = fixture.tables;
    const bob = fixture.contacts.bob;
    const [pending] = tables.outbox ?? [];
    const sending = (tables.messages ?? []).find((row) => row.id === pending?.messageId);
    // The fixture's one queued text, still sending: held here, as version 1 held it while Bob's key awaited review.
    expect(sending?.state).toBe('sending');
    const NEVER = Number.MAX_SAFE_INTEGER;
    const { messageId: _text, kind: _kind, ...common } = pending ?? {};
    const notice: Row = {
      ...sending,
      id: 'old-notice',
      kind: 'identity-changed',
      direction: 'incoming',
      state: 'read',
    };
    const held: Record<string, Row[]> = {
      ...tables,
      contacts: (tables.contacts ?? []).map((row) => (row.accountId === bob ? { ...row, identityChangedAt: 5 } : row)),
      messages: [...(tables.messages ?? []), { ...notice, sortKey: `${String(notice.sortKey)}~`, body: null }],
      outbox: [
        { ...pending, nextAttemptAt: NEVER, heldForIdentity: true },
        {
          ...common,
          seq: 9,
          kind: 'receipt',
          receiptKind: 'read',
          messageIds: ['m'],
          nextAttemptAt: NEVER,
          heldForIdentity: true,
        },
        { ...pending, seq: 10, messageId: 'other', nextAttemptAt: 20, heldForIdentity: false },
      ],
    };
    await writeVersion1(indexedDB, held);

    const before = Date.now();
    const db = await open(indexedDB);
    try {
      const contact = await db.contacts.get(bob);
      expect(contact?.displayName).toBe('Bob Example');
      expect(contact !== undefined && 'identityChangedAt' in contact).toBe(false);
      // The held text left the outbox; the held receipt is due now; the free text keeps its time.
      const outbox = await db.outbox.toArray();
      expect(outbox.map((row) => [row.seq, row.kind, 'heldForIdentity' in row])).toEqual([
        [9, 'receipt', false],
        [10, 'text', false],
      ]);
      expect(outbox[0]?.nextAttemptAt).toBeGreaterThanOrEqual(before);
      expect(outbox[0]?.nextAttemptAt).toBeLessThanOrEqual(Date.now());
      expect(outbox[1]?.nextAttemptAt).toBe(20);
      // The held text failed (the UI offers Retry); the old notice stays, placed in the history.
      const [text, old] = await db.messages.bulkGet([String(pending?.messageId), 'old-notice']);
      expect(text?.state).toBe('failed');
      expect(text?.body).toBe('Queued while the relay was away');
      expect(old).toMatchObject({ kind: 'identity-changed', state: 'read' });
      expect(old?.position).toMatch(/^[0-9A-Za-z]{8,}$/u);
    } finally {
      db.close();
    }
  });
});
