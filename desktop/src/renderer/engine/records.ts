/**
 * What the engine keeps in IndexedDB, one interface per table (schema.ts has
 * the tables and their indexes). Message text, previews and anything else a
 * user wrote are stored only as EncryptedField (body-cipher.ts); ids, times
 * and states stay in the clear so they can be indexed.
 */
import type { AccountId } from '@parley/crypto-core/wire';

/** AES-256-GCM ciphertext of one field of one record (format version 1). */
export interface EncryptedField {
  readonly v: 1;
  /** 96-bit random IV. */
  readonly iv: Uint8Array<ArrayBuffer>;
  /** Ciphertext with the 128-bit tag appended (WebCrypto's layout). */
  readonly ct: Uint8Array<ArrayBuffer>;
}

export interface ContactRecord {
  readonly accountId: AccountId;
  /** What the user called the contact; null when unknown (someone who wrote first). */
  displayName: string | null;
  /** The relay from the contact code (where the contact receives). */
  relayUrl: string;
  /** Safety numbers were compared for the contact's identity key. */
  verified: boolean;
  /** How we learned of the contact. */
  readonly origin: 'contact-code' | 'incoming';
  readonly addedAt: number;
}

export type ConversationKind = 'direct' | 'group';

interface ConversationCommon {
  /** `direct:<accountId>` or `group:<groupId>` (conversation-ids.ts): derived, so concurrent writers agree. */
  readonly id: string;
  /** Group name; null for direct conversations (the UI uses the contact's name). */
  title: string | null;
  /** Time of the newest message (ms), for sorting the conversation list. */
  lastActivityAt: number;
  /** Sort key of the newest message, so an older message arriving late does not replace the preview. */
  lastSortKey: string;
  unreadCount: number;
  /** The newest message's text, shortened, encrypted like bodies. */
  preview: EncryptedField | null;
  readonly createdAt: number;
}

export interface DirectConversationRecord extends ConversationCommon {
  readonly kind: 'direct';
  /** The peer's account id. */
  readonly peerId: AccountId;
}

export interface GroupConversationRecord extends ConversationCommon {
  readonly kind: 'group';
  /** The group id. */
  readonly peerId: string;
}

export type ConversationRecord = DirectConversationRecord | GroupConversationRecord;

export type MessageDirection = 'incoming' | 'outgoing';
/**
 * Own messages: sending -> sent (relay committed) -> delivered -> read, or
 * failed (retry re-queues). Incoming messages: delivered (stored here), then
 * read once the user has seen them (markRead).
 */
export type MessageState = 'sending' | 'sent' | 'delivered' | 'read' | 'failed';
/**
 * text: a message; unsupported: content from a newer Parley; forged-key: a
 * notice that a relay sent a key the contact's account id does not commit to
 * (forgery-notices.ts; its body is the relay's URL); identity-changed: the
 * notice older versions wrote for the same event, when they still offered to
 * accept such a key (shown as a past forgery, with nothing to accept).
 */
export type MessageKind = 'text' | 'forged-key' | 'identity-changed' | 'unsupported';

export interface MessageRecord {
  /** The message id: chosen by the sender and carried inside the encrypted content (UUID). */
  readonly id: string;
  readonly conversationId: string;
  readonly kind: MessageKind;
  readonly direction: MessageDirection;
  readonly senderAccountId: AccountId;
  /** The sender's clock (ms). */
  readonly sentAt: number;
  /** When this client stored it (ms); null for own messages. */
  readonly receivedAt: number | null;
  /** Orders a conversation (conversation-ids.ts: sentAt, then id). */
  readonly sortKey: string;
  state: MessageState;
  /** The relay's envelope id it arrived in; null for own messages and notices. */
  readonly envelopeId: string | null;
  /** When the relay accepted it (ms); null until known. */
  serverTimestamp: number | null;
  /** The text (kind 'text') or the relay's URL (kind 'forged-key'), encrypted; null otherwise. */
  readonly body: EncryptedField | null;
}

interface OutboxCommon {
  /** Auto-increment: the order items were queued in. */
  readonly seq?: number;
  readonly recipient: AccountId;
  readonly conversationId: string;
  /** Sends tried and refused or lost (only what counts toward the limit). */
  attempts: number;
  /** Not before this time (ms). */
  nextAttemptAt: number;
  lastError: string | null;
  readonly createdAt: number;
}

/** A text to send: the content is rebuilt from the message record, so the body is stored once, encrypted. */
export interface OutboxTextRecord extends OutboxCommon {
  readonly kind: 'text';
  readonly messageId: string;
  /**
   * Sent again after the recipient asked for a session reset (session-repair.ts):
   * the message is already `sent` and stays so; the same id lets the
   * recipient drop a copy it has.
   */
  readonly resend?: boolean;
}

export interface OutboxReceiptRecord extends OutboxCommon {
  readonly kind: 'receipt';
  readonly receiptKind: 'delivery' | 'read';
  readonly messageIds: readonly string[];
}

/** Asks the recipient to re-send what it never saw delivered: this side could not decrypt (session-repair.ts). */
export interface OutboxSessionResetRecord extends OutboxCommon {
  readonly kind: 'session-reset';
  /** The content's id (UUID), the same on every attempt. */
  readonly resetId: string;
}

export type OutboxRecord = OutboxTextRecord | OutboxReceiptRecord | OutboxSessionResetRecord;

/** An envelope this client committed: later copies of it are acked and dropped. */
export interface ReceivedEnvelopeRecord {
  readonly envelopeId: string;
  readonly receivedAt: number;
}

export type RelayRole = 'home' | 'known';

export interface RelayRecord {
  /** Canonical relay base URL (normalizeRelayUrl). */
  readonly url: string;
  role: RelayRole;
  /** The relay's sealed-sender trust root (base64), pinned at first sight. */
  trustRoot: string | null;
  /** When this device registered there; null when only known from contact codes. */
  registeredAt: number | null;
  readonly addedAt: number;
}

/** Typed settings: one row per key. */
export interface SettingValues {
  /** This device, as registered. */
  account: { accountId: AccountId; deviceId: number; registrationId: number };
  /** A signed-prekey rotation the relay has not accepted yet (public keys only). */
  pendingPreKeyUpload: PendingPreKeyUpload | null;
  /** When the vault was last asked whether prekeys are due for rotation (ms). */
  lastRotationCheckAt: number;
  /** Read receipts and typing indicators on or off (privacy-settings.ts). */
  privacy: { readReceipts: boolean; typingIndicators: boolean };
  /** Set once the relay said another install took this device over (takeover.ts); never cleared. */
  takenOver: { at: number };
}

export interface PendingPreKeyUpload {
  readonly relayUrl: string;
  /** The PreKeyUpload as JSON (public keys and signatures only). */
  readonly upload: string;
}

export interface SettingRecord<K extends keyof SettingValues = keyof SettingValues> {
  readonly key: K;
  readonly value: SettingValues[K];
}
