/**
 * The Dexie schema, as a list of versions. Each version states every table's
 * indexes (Dexie diffs them) and may carry an upgrade that rewrites rows.
 * To change the schema, append a version; never edit a published one:
 *
 *   {
 *     version: 4,
 *     stores: { ...V3_STORES, messages: V3_STORES.messages + ', [conversationId+kind]' },
 *     upgrade: async (tx) => {
 *       await tx.table('contacts').toCollection().modify((contact) => { contact.nickname ??= null; });
 *       await resealRows(tx, 'messages'); // rows written before carry no stored value for the new index
 *     },
 *   }
 *
 * Every row is sealed at rest (at-rest/): a new field needs nothing. A new
 * index is stored as keyed hashes (equality lookups only) unless its key
 * path is listed in CLEAR_INDEX_VALUES, which is for values that reveal
 * nothing (counters, positions); and the rows already stored need rewriting
 * (resealRows) before the index holds them. Upgrades run through the
 * at-rest layer, so they read and write plain records.
 *
 * (test/engine/database.test.ts runs exactly such a next version over the
 * current database.)
 */
import type { Dexie, Transaction } from 'dexie';
import type { ClearIndexValues } from './at-rest/sealing-middleware.js';

export interface SchemaVersion {
  readonly version: number;
  /** Dexie store specs: primary key first, then indexes. */
  readonly stores: Readonly<Record<string, string | null>>;
  /** Rewrites existing rows when upgrading to this version. */
  readonly upgrade?: (tx: Transaction) => Promise<void>;
}

/**
 * Version 1: every value in the clear but message
 * bodies and previews, in a database named after the account id. A version 1
 * database is not upgraded in place: at-rest/legacy-migration.ts copies it,
 * sealed, into the version 2 database and deletes it. What version 1 kept
 * for reviewing a changed key is not copied: a key an account id does not
 * commit to is a forgery, refused outright (forgery-notices.ts), so the
 * contact's `identityChangedAt` marker goes, a text held for a review
 * (`heldForIdentity`) becomes a failed message the user can retry, and a
 * held receipt or session reset is due again.
 */
export const V1_STORES = {
  contacts: 'accountId',
  conversations: 'id, lastActivityAt, [kind+peerId]',
  // [conversationId+sortKey] pages a conversation; [conversationId+direction+state]
  // finds unread incoming messages for read receipts; envelopeId is for diagnosis.
  messages: 'id, [conversationId+sortKey], [conversationId+direction+state], envelopeId',
  outbox: '++seq, nextAttemptAt, messageId, recipient',
  receivedEnvelopes: 'envelopeId, receivedAt',
  settings: 'key',
  relays: 'url, role',
} as const;

/**
 * Version 2: every row sealed (at-rest/sealing-middleware.ts), every index
 * value hashed but those in CLEAR_INDEX_VALUES, in a database whose name is
 * derived from the data key. Gone against version 1: indexes on times
 * (conversations.lastActivityAt, outbox.nextAttemptAt,
 * receivedEnvelopes.receivedAt) and unused ones (conversations.[kind+peerId],
 * messages.envelopeId); a message's history order is its position
 * (message-positions.ts), not its sort key; received envelope ids are kept a
 * batch per row in arrival order (seq), so the oldest can be pruned without a
 * time index.
 */
export const V2_STORES = {
  contacts: 'accountId',
  conversations: 'id',
  // [conversationId+position] pages a conversation; [conversationId+direction+state]
  // finds unread incoming (read receipts) and unconfirmed own messages (session repair).
  messages: 'id, [conversationId+position], [conversationId+direction+state]',
  outbox: '++seq, messageId, recipient',
  receivedEnvelopes: '++seq, &*envelopeIds',
  settings: 'key',
  relays: 'url, role',
} as const;

/**
 * Version 3: groups (docs/protocol.md §10; groups/ in the engine). New
 * tables only, so no row is rewritten:
 * - `groups`: one row per group this account knows of (invited, member or
 *   former member): the folded state, our sender-key distribution id and
 *   the members who received it.
 * - `groupChanges`: the verified signed changes per group (the set the fold
 *   is computed from), keyed `<groupId>:<changeId>`, looked up by `groupId`.
 * - `groupReceipts`: per member delivery and read state of our own group
 *   messages, keyed `<messageId>:<accountId>`, looked up by message (read by
 *   3 of 5) and by member (what a member never acknowledged, for sender-key
 *   repair).
 * Every index value is hashed: equality lookups only.
 */
export const V3_STORES = {
  ...V2_STORES,
  groups: 'groupId',
  groupChanges: 'id, groupId',
  groupReceipts: 'id, messageId, accountId',
} as const;

/**
 * Version 4: conversation features (docs/protocol.md §6, Conversation
 * features; conversation-actions.ts, message-expiry.ts). New tables only:
 * - `heldActions`: reactions, edits and deletes whose message has not
 *   arrived, looked up by `targetMessageId` when it does.
 * - `expiries`: one row per message with a running disappearing timer,
 *   keyed by message id (read whole by the sweep: only such messages are in it).
 * Message rows gain optional fields (quote, reactions, edits, deletedAt,
 * expireTimer, expiresAt, deliveredAt, readAt), which sealed rows need no
 * migration for.
 */
export const V4_STORES = {
  ...V3_STORES,
  heldActions: 'id, targetMessageId',
  expiries: 'messageId',
} as const;

/** Indexed key paths stored as they are; every other indexed value is stored as a keyed hash. */
export const CLEAR_INDEX_VALUES: ClearIndexValues = {
  // Order within a conversation, and nothing else (no time, no sender).
  messages: ['position'],
  // Auto-increment counters: the order things were queued or received in.
  outbox: ['seq'],
  receivedEnvelopes: ['seq'],
};

export const SCHEMA_VERSIONS: readonly SchemaVersion[] = [
  { version: 2, stores: V2_STORES },
  { version: 3, stores: V3_STORES },
  { version: 4, stores: V4_STORES },
];

export const SCHEMA_VERSION = SCHEMA_VERSIONS.reduce((latest, next) => Math.max(latest, next.version), 0);

/** Declares every version on a Dexie instance, in order. */
export function declareSchema(dexie: Dexie, versions: readonly SchemaVersion[] = SCHEMA_VERSIONS): void {
  for (const step of versions) {
    const declared = dexie.version(step.version).stores({ ...step.stores });
    const upgrade = step.upgrade;
    if (upgrade !== undefined) declared.upgrade((tx) => upgrade(tx));
  }
}

/**
 * Reads and writes back every row of a table through the at-rest layer: what
 * an upgrade that adds an index runs, so rows stored before carry the new
 * index value (a version whose upgrade has no such step leaves them out).
 */
export async function resealRows(tx: Transaction, tableName: string): Promise<void> {
  const table = tx.table(tableName);
  const rows: unknown[] = await table.toArray();
  await table.bulkPut(rows);
}
