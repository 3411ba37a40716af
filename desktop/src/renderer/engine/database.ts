/**
 * The engine's IndexedDB database through Dexie: typed tables over the
 * versioned schema (schema.ts), every row sealed at rest by the layer under
 * Dexie (at-rest/sealing-middleware.ts) and every message given its position
 * on write (message-placement.ts). In the app Dexie uses the renderer's own
 * IndexedDB; Node tests pass fake-indexeddb's factory and key range.
 * at-rest/open-database.ts opens one for a profile (name, keys, migration).
 */
import { Dexie, type Table } from 'dexie';
import type { AtRestKeys } from './at-rest/keys.js';
import { sealingMiddleware } from './at-rest/sealing-middleware.js';
import { messagePlacementMiddleware } from './message-placement.js';
import type {
  ContactRecord,
  ConversationRecord,
  ExpiryRecord,
  GroupChangeRecord,
  GroupReceiptRecord,
  GroupRecord,
  HeldActionRecord,
  MessageRecord,
  NewMessageRecord,
  OutboxRecord,
  ReceivedEnvelopeRecord,
  RelayRecord,
  SettingRecord,
  SettingValues,
} from './records.js';
import { CLEAR_INDEX_VALUES, declareSchema, SCHEMA_VERSIONS, type SchemaVersion } from './schema.js';

export interface DatabaseOptions {
  /** Database name; one per profile (AtRestKeys.databaseName unless a test chooses one). */
  readonly name: string;
  /** The keys every row is sealed and every hashed index value is keyed with. */
  readonly keys: AtRestKeys;
  /** IndexedDB implementation (default: the global one). */
  readonly indexedDB?: IDBFactory;
  readonly IDBKeyRange?: typeof IDBKeyRange;
  /** Schema versions (tests add a future version to exercise migrations). */
  readonly versions?: readonly SchemaVersion[];
}

export class EngineDatabase {
  readonly dexie: Dexie;
  readonly contacts: Table<ContactRecord, string>;
  readonly conversations: Table<ConversationRecord, string>;
  readonly messages: Table<MessageRecord, string, NewMessageRecord>;
  readonly outbox: Table<OutboxRecord, number>;
  readonly receivedEnvelopes: Table<ReceivedEnvelopeRecord, number>;
  readonly settings: Table<SettingRecord, string>;
  readonly relays: Table<RelayRecord, string>;

  constructor(options: DatabaseOptions) {
    this.dexie = new Dexie(options.name, {
      ...(options.indexedDB === undefined ? {} : { indexedDB: options.indexedDB }),
      ...(options.IDBKeyRange === undefined ? {} : { IDBKeyRange: options.IDBKeyRange }),
      // Ack-after-commit needs a commit that survives a crash: Chromium's
      // default durability ("relaxed") may report a commit before it is on disk.
      chromeTransactionDurability: 'strict',
    });
    this.dexie.use(sealingMiddleware(options.keys, CLEAR_INDEX_VALUES));
    this.dexie.use(messagePlacementMiddleware());
    declareSchema(this.dexie, options.versions ?? SCHEMA_VERSIONS);
    this.contacts = this.dexie.table('contacts');
    this.conversations = this.dexie.table('conversations');
    this.messages = this.dexie.table('messages');
    this.outbox = this.dexie.table('outbox');
    this.receivedEnvelopes = this.dexie.table('receivedEnvelopes');
    this.settings = this.dexie.table('settings');
    this.relays = this.dexie.table('relays');
  }

  // Version 3's tables, looked up when used: a test that declares only
  // version 2 (to write a database an upgrade then opens) has none of them.
  get groups(): Table<GroupRecord, string> {
    return this.dexie.table('groups');
  }

  get groupChanges(): Table<GroupChangeRecord, string> {
    return this.dexie.table('groupChanges');
  }

  get groupReceipts(): Table<GroupReceiptRecord, string> {
    return this.dexie.table('groupReceipts');
  }

  // Version 4's tables (conversation features), looked up when used like version 3's.
  get heldActions(): Table<HeldActionRecord, string> {
    return this.dexie.table('heldActions');
  }

  get expiries(): Table<ExpiryRecord, string> {
    return this.dexie.table('expiries');
  }

  async open(): Promise<void> {
    await this.dexie.open();
  }

  close(): void {
    this.dexie.close();
  }

  async getSetting<K extends keyof SettingValues>(key: K): Promise<SettingValues[K] | undefined> {
    const row = (await this.settings.get(key)) as SettingRecord<K> | undefined;
    return row?.value;
  }

  async putSetting<K extends keyof SettingValues>(key: K, value: SettingValues[K]): Promise<void> {
    const row: SettingRecord<K> = { key, value };
    await this.settings.put(row as SettingRecord);
  }

  /**
   * Forgets received-envelope ids recorded before `before`. Safe at any age:
   * a copy arriving after its id was forgotten is refused by the vault as a
   * duplicate (its plaintext was released), and its message id is stored.
   * Times are sealed, not indexed: the oldest ids are read in arrival order
   * (seq) until one is recent enough, so the work is what is deleted.
   */
  async pruneReceivedEnvelopes(before: number): Promise<number> {
    const page = 100;
    let deleted = 0;
    for (;;) {
      const rows = await this.receivedEnvelopes.orderBy(':id').limit(page).toArray();
      const old = rows.filter((row) => row.receivedAt < before);
      if (old.length > 0) {
        await this.receivedEnvelopes.bulkDelete(old.flatMap((row) => (row.seq === undefined ? [] : [row.seq])));
      }
      for (const row of old) deleted += row.envelopeIds.length;
      if (old.length < page) return deleted;
    }
  }

  async homeRelay(): Promise<RelayRecord | undefined> {
    return this.relays.where('role').equals('home').first();
  }
}
