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

/**
 * Version 2: a key that a contact's account id does not commit to is refused
 * as a forgery, never offered for review (forgery-notices.ts). What version 1
 * kept for that review goes: the contact's `identityChangedAt` marker, and
 * outbox items held until a review (`heldForIdentity`, never due): a held
 * text becomes a failed message the user can retry, a held receipt or
 * session reset is due again. `identity-changed` notices stay in the history
 * and are shown as a past forgery, with nothing to accept.
 */
async function dropIdentityReview(tx: Transaction): Promise<void> {
  const now = Date.now();
  await tx
    .table('contacts')
    .toCollection()
    .modify((contact: Record<string, unknown>) => {
      delete contact.identityChangedAt;
    });
  const heldTexts: string[] = [];
  await tx
    .table('outbox')
    .toCollection()
    .modify((item: Record<string, unknown>, ref: { value: unknown }) => {
      const held = item.heldForIdentity === true;
      delete item.heldForIdentity;
      if (!held) return;
      if (item.kind === 'text') {
        if (typeof item.messageId === 'string') heldTexts.push(item.messageId);
        // Dexie deletes a row whose value the modifier deletes.
        delete (ref as { value?: unknown }).value;
        return;
      }
      item.nextAttemptAt = now;
    });
  await tx
    .table('messages')
    .where('id')
    .anyOf(heldTexts)
    .modify((message: Record<string, unknown>) => {
      if (message.state === 'sending') message.state = 'failed';
    });
}

export const SCHEMA_VERSIONS: readonly SchemaVersion[] = [
  { version: 1, stores: V1_STORES },
  { version: 2, stores: V1_STORES, upgrade: dropIdentityReview },
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
