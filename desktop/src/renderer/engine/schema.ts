/**
 * The Dexie schema, as a list of versions. Each version states every table's
 * indexes (Dexie diffs them) and may carry an upgrade that rewrites rows.
 * To change the schema, append a version; never edit a published one:
 *
 *   {
 *     version: 2,
 *     stores: { ...V1_STORES, messages: V1_STORES.messages + ', [conversationId+kind]' },
 *     upgrade: async (tx) => {
 *       await tx.table('contacts').toCollection().modify((contact) => { contact.nickname ??= null; });
 *     },
 *   }
 *
 * (test/engine/database.test.ts runs exactly such a version 2 over a
 * version 1 database.)
 */
import type { Dexie, Transaction } from 'dexie';

export interface SchemaVersion {
  readonly version: number;
  /** Dexie store specs: primary key first, then indexes. */
  readonly stores: Readonly<Record<string, string | null>>;
  /** Rewrites existing rows when upgrading to this version. */
  readonly upgrade?: (tx: Transaction) => Promise<void>;
}

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

export const SCHEMA_VERSIONS: readonly SchemaVersion[] = [{ version: 1, stores: V1_STORES }];

export const SCHEMA_VERSION = SCHEMA_VERSIONS.reduce((latest, next) => Math.max(latest, next.version), 0);

/** Declares every version on a Dexie instance, in order. */
export function declareSchema(dexie: Dexie, versions: readonly SchemaVersion[] = SCHEMA_VERSIONS): void {
  for (const step of versions) {
    const declared = dexie.version(step.version).stores({ ...step.stores });
    const upgrade = step.upgrade;
    if (upgrade !== undefined) declared.upgrade((tx) => upgrade(tx));
  }
}
