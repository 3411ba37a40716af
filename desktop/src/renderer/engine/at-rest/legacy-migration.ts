/**
 * First unlock after the at-rest change: a version 1 database (plaintext
 * ids, times, names and flags; AES-GCM bodies; named after the account id)
 * is copied, every row sealed, into the version 2 database, then deleted.
 *
 * No loss at any crash point: the copy writes a `legacyMigration` marker
 * (`copying`) first and `done` in its last transaction; the old database is
 * deleted only after that. A start that finds `copying` empties the new
 * database and copies again from the untouched old one; one that finds
 * `done` with the old database still there only deletes it.
 *
 * Pages of 500 rows: bodies and previews are opened with WebCrypto between
 * transactions, each page is written in one transaction. Messages are copied
 * in [conversationId+sortKey] order, so each gets the next position of its
 * conversation (message-placement.ts).
 *
 * What version 1 kept for reviewing a changed key is not copied: a key an
 * account id does not commit to is now refused as a forgery, never offered
 * for review (forgery-notices.ts). So a contact's `identityChangedAt` marker
 * goes; an outbox item held for a review (`heldForIdentity`, never due)
 * loses the flag: a held text is dropped from the outbox and its message,
 * still `sending`, becomes `failed` (the user can retry it), and a held
 * receipt or session reset is due at once. `identity-changed` notices stay
 * in the history, shown as a past forgery with nothing to accept.
 */
import { Dexie, type Table } from 'dexie';
import type { EngineDatabase } from '../database.js';
import { EngineError, EngineErrorCode } from '../errors.js';
import type { EngineLogger } from '../logger.js';
import type { MessageRecord, ReceivedEnvelopeRecord } from '../records.js';
import { LegacyBodyCipher, type LegacyEncryptedField, type LegacyFieldScope } from './legacy-body-cipher.js';

const PAGE_SIZE = 500;
const ENVELOPES_PER_ROW = 100;
/** Tables copied row for row (same shape in both versions), in this order. */
const PLAIN_TABLES = ['relays', 'settings'] as const;

type Row = Record<string, unknown>;

export interface LegacySource {
  readonly name: string;
  readonly dataKey: Uint8Array<ArrayBuffer>;
  readonly indexedDB?: IDBFactory | undefined;
  readonly IDBKeyRange?: typeof IDBKeyRange | undefined;
}

export interface MigrationReport {
  /** Rows copied per table. */
  readonly copied: Readonly<Record<string, number>>;
  /** Bodies and previews that did not decrypt in the old database either (kept as null, as the old UI showed them). */
  readonly unreadable: number;
}

export async function databaseExists(factory: IDBFactory, name: string): Promise<boolean> {
  const databases = await factory.databases();
  return databases.some((database) => database.name === name);
}

/** Copies a version 1 database into `db` (open, version 2) if one exists; null when there is none. */
export async function migrateLegacyDatabase(
  db: EngineDatabase,
  source: LegacySource,
  logger: EngineLogger,
  now: () => number = Date.now,
): Promise<MigrationReport | null> {
  const factory = source.indexedDB ?? indexedDB;
  if (!(await databaseExists(factory, source.name))) return null;
  const legacy = new Dexie(source.name, {
    indexedDB: factory,
    ...(source.IDBKeyRange === undefined ? {} : { IDBKeyRange: source.IDBKeyRange }),
  });
  const marker = await db.getSetting('legacyMigration');
  if (marker?.state === 'done') {
    await legacy.delete();
    logger.info('deleted the version 1 database left after its migration');
    return null;
  }
  if (marker === undefined && !(await isEmpty(db))) {
    // Not a copy we started: this database is in use. The old one stays, untouched.
    logger.warn('a version 1 database exists beside a version 2 database in use; left alone');
    return null;
  }
  await db.dexie.transaction('rw', db.dexie.tables, async () => {
    for (const table of db.dexie.tables) await table.clear();
    await db.putSetting('legacyMigration', { state: 'copying', at: now() });
  });
  // Dynamic mode: Dexie reads the old database's own schema, whatever its indexes.
  await legacy.open();
  try {
    const report = await copyAll(db, legacy, await LegacyBodyCipher.fromRawKey(source.dataKey), now);
    await db.putSetting('legacyMigration', { state: 'done', at: now() });
    legacy.close();
    await legacy.delete();
    logger.info('migrated the version 1 database', { ...report.copied, unreadable: report.unreadable });
    return report;
  } finally {
    legacy.close();
  }
}

async function isEmpty(db: EngineDatabase): Promise<boolean> {
  const counts = await Promise.all(db.dexie.tables.map((table) => table.count()));
  return counts.every((count) => count === 0);
}

async function copyAll(
  db: EngineDatabase,
  legacy: Dexie,
  cipher: LegacyBodyCipher,
  now: () => number,
): Promise<MigrationReport> {
  const copied: Record<string, number> = {};
  const unreadable = { count: 0 };
  const open = async (scope: LegacyFieldScope, field: unknown): Promise<string | null> => {
    if (field === null || field === undefined) return null;
    try {
      return await cipher.open(scope, field as LegacyEncryptedField);
    } catch {
      unreadable.count += 1;
      return null;
    }
  };
  const has = (name: string) => legacy.tables.some((table) => table.name === name);

  for (const name of PLAIN_TABLES) {
    if (!has(name)) continue;
    copied[name] = await copyPages(legacy.table(name), db.dexie.table(name), async (row) => row);
  }
  if (has('contacts')) {
    copied.contacts = await copyPages(legacy.table('contacts'), db.contacts, async (row) => {
      const { identityChangedAt: _reviewMarker, ...contact } = row;
      return contact;
    });
  }
  // Messages of texts that were held for a review: they become failed when copied.
  const heldTexts = new Set<string>();
  if (has('outbox')) {
    const dueAt = now();
    copied.outbox = await copyPages(legacy.table('outbox'), db.outbox, async (row) => {
      const { heldForIdentity, ...item } = row;
      if (heldForIdentity !== true) return item;
      if (item.kind !== 'text') return { ...item, nextAttemptAt: dueAt };
      if (typeof item.messageId === 'string') heldTexts.add(item.messageId);
      return null;
    });
  }
  if (has('conversations')) {
    copied.conversations = await copyPages(legacy.table('conversations'), db.conversations, async (row) => ({
      ...row,
      preview: await open({ table: 'conversations', field: 'preview', id: String(row.id) }, row.preview),
    }));
  }
  if (has('messages')) {
    copied.messages = await copyMessages(legacy, db, open, heldTexts);
    // Every version 1 writer set both parts of the index; a row outside it would be a bug, and is not dropped silently.
    const total = await legacy.table('messages').count();
    if (copied.messages !== total) {
      throw new EngineError(
        EngineErrorCode.Storage,
        `${total - copied.messages} messages are outside the history index`,
      );
    }
  }
  if (has('receivedEnvelopes')) {
    // Few and small (45 days of ids): read whole, oldest first, so arrival order (seq) follows age;
    // a row of up to 100 ids, as a commit writes, kept as long as its newest id would have been.
    const rows = (await legacy.table('receivedEnvelopes').toArray()) as Row[];
    rows.sort((a, b) => Number(a.receivedAt) - Number(b.receivedAt));
    const batches: ReceivedEnvelopeRecord[] = [];
    for (let i = 0; i < rows.length; i += ENVELOPES_PER_ROW) {
      const batch = rows.slice(i, i + ENVELOPES_PER_ROW);
      batches.push({
        envelopeIds: batch.map((row) => String(row.envelopeId)),
        receivedAt: Math.max(...batch.map((row) => Number(row.receivedAt))),
      });
    }
    await db.dexie.transaction('rw', db.receivedEnvelopes, () => db.receivedEnvelopes.bulkAdd(batches));
    copied.receivedEnvelopes = rows.length;
  }
  return { copied, unreadable: unreadable.count };
}

/** Copies a table in primary key order, a page per transaction; rows `convert` answers null for are left out. */
async function copyPages(from: Table, to: Table, convert: (row: Row) => Promise<Row | null>): Promise<number> {
  let copied = 0;
  let after: unknown = null;
  for (;;) {
    const collection = after === null ? from.orderBy(':id') : from.where(':id').above(after);
    const rows = (await collection.limit(PAGE_SIZE).toArray()) as Row[];
    const last = rows[rows.length - 1];
    if (last === undefined) return copied;
    after = Dexie.getByKeyPath(last, from.schema.primKey.keyPath ?? '');
    const converted = (await Promise.all(rows.map(convert))).filter((row) => row !== null);
    await to.db.transaction('rw', to, () => to.bulkPut(converted));
    copied += converted.length;
  }
}

/**
 * Messages in [conversationId+sortKey] order, so each conversation's positions
 * are handed out in order; those of `heldTexts` still sending become failed.
 */
async function copyMessages(
  legacy: Dexie,
  db: EngineDatabase,
  open: (scope: LegacyFieldScope, field: unknown) => Promise<string | null>,
  heldTexts: ReadonlySet<string>,
): Promise<number> {
  const from = legacy.table('messages');
  const index = '[conversationId+sortKey]';
  let copied = 0;
  let after: [string, string] | null = null;
  for (;;) {
    const collection = after === null ? from.orderBy(index) : from.where(index).above(after);
    const rows = (await collection.limit(PAGE_SIZE).toArray()) as Row[];
    const last = rows[rows.length - 1];
    if (last === undefined) return copied;
    after = [String(last.conversationId), String(last.sortKey)];
    const converted = await Promise.all(
      rows.map(async (row) => {
        const { position: _stale, ...rest } = row;
        const failed = heldTexts.has(String(row.id)) && row.state === 'sending';
        return {
          ...rest,
          ...(failed ? { state: 'failed' } : {}),
          body: await open({ table: 'messages', field: 'body', id: String(row.id) }, row.body),
        } as unknown as MessageRecord;
      }),
    );
    await db.dexie.transaction('rw', db.messages, () => db.messages.bulkAdd(converted));
    copied += rows.length;
  }
}
