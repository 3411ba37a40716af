/**
 * What the engine keeps in IndexedDB, one interface per table (schema.ts has
 * the tables and their indexes). These are the plain records every module
 * reads and writes; on disk each row is sealed whole and its indexed values
 * are keyed hashes (at-rest/sealing-middleware.ts), so nothing here needs
 * encrypting by hand.
 */
import type { GroupState } from '@parley/crypto-core/group';
import type { AccountId } from '@parley/crypto-core/wire';
import type { OutgoingContent } from '../../common/vault-api.js';

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
  /**
   * The access key that reaches the contact (base64; docs/protocol.md §4.7):
   * the code key from the code they gave, replaced by their contact key when
   * their `profile` arrives. Null (or absent, in rows from before access
   * keys) when we hold none: sends then go without one, which reaches only
   * accounts that predate access keys.
   */
  accessKey?: string | null;
  /**
   * When the relay last refused `accessKey` (ACCESS_DENIED): the contact reset
   * the code we hold. The conversation says to ask for their current code; a
   * new key (a profile, or the contact added again from a new code) clears it.
   */
  accessDeniedAt?: number | null;
  /**
   * request: someone who wrote first and whom the user has not accepted yet
   * (message-requests.ts): no read receipts, typing or profile go to them.
   * accepted: a contact. Absent in rows from before requests: accepted.
   */
  status?: ContactStatus;
  /** When the user blocked them (their envelopes are dropped, we send them nothing); null or absent when not blocked. */
  blockedAt?: number | null;
  /** The name they chose, from their latest profile (shown after the name the user gave them). */
  profileName?: string | null;
  /** The avatar from their latest profile; shown as an image only. */
  profileAvatar?: ProfileAvatar | null;
}

export type ContactStatus = 'request' | 'accepted';

/** An avatar as a profile carries it (docs/protocol.md §6): an image type and its bytes in base64. */
export interface ProfileAvatar {
  readonly contentType: 'image/png' | 'image/jpeg' | 'image/webp';
  readonly data: string;
}

/** The name and avatar this account shows to the contacts it accepted (own-profile.ts). */
export interface OwnProfile {
  readonly name: string | null;
  readonly avatar: ProfileAvatar | null;
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
  /** The newest message's text, shortened. */
  preview: string | null;
  readonly createdAt: number;
  /** Disappearing-message timer in seconds, 0 or absent: off (conversation-actions.ts). */
  expireTimer?: number;
  /** `sentAt` of the timer change in force, so an older change arriving late does not undo a newer one. */
  expireTimerChangedAt?: number;
  /** Muted until then (ms; mute.ts MUTED_ALWAYS: until unmuted); absent or null: not muted. */
  mutedUntil?: number | null;
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
 * accept such a key (shown as a past forgery, with nothing to accept);
 * group-event: a line in a group's timeline for an applied change ("Alice
 * renamed the group to Hikers"; groups/group-timeline.ts), its id the change's id;
 * timer-change: the disappearing-message timer changed (body: the seconds, "0"
 * for off; its id the expire-timer content's id).
 */
export type MessageKind = 'text' | 'forged-key' | 'identity-changed' | 'unsupported' | 'group-event' | 'timer-change';

/** What a reply quotes (docs/protocol.md §6): the original's id, author and a snippet of its text. */
export interface QuoteRecord {
  readonly id: string;
  readonly author: AccountId;
  readonly text: string;
}

/** A mention in a group text (docs/protocol.md §6): `length` UTF-16 code units of the body from `start` name `accountId`. */
export interface MentionRecord {
  readonly start: number;
  readonly length: number;
  readonly accountId: AccountId;
}

/** One person's reaction; `emoji` null once they removed it (kept so an older reaction arriving late stays undone). */
export interface ReactionRecord {
  readonly accountId: AccountId;
  readonly emoji: string | null;
  readonly sentAt: number;
}

/** An earlier text of an edited message, with when it was written. */
export interface EditRecord {
  readonly body: string;
  readonly at: number;
}

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
  /** Orders a conversation (conversation-ids.ts: sentAt, then id); sealed like every non-index field. */
  readonly sortKey: string;
  /**
   * The message's place in its conversation, in sort key order: what the
   * history is indexed and paged by, since it shows no time
   * (message-positions.ts). Assigned when the message is first written
   * (message-placement.ts): writers leave it out.
   */
  readonly position: string;
  state: MessageState;
  /** The relay's envelope id it arrived in; null for own messages and notices. */
  readonly envelopeId: string | null;
  /** When the relay accepted it (ms); null until known. */
  serverTimestamp: number | null;
  /**
   * The text (kind 'text'; its newest edit, null once deleted for everyone),
   * the relay's URL (kind 'forged-key'), the sentence (kind 'group-event') or
   * the timer in seconds (kind 'timer-change'); null otherwise.
   */
  readonly body: string | null;
  /** A reply: what it quotes. */
  readonly quote?: QuoteRecord | null;
  /** A group text's mentions, in body order (absent or null: none). */
  readonly mentions?: readonly MentionRecord[] | null;
  /** One of its mentions names our own account (notified even when the conversation is muted). */
  readonly mentionsMe?: boolean;
  /** Reactions, one per person (conversation-actions.ts). */
  readonly reactions?: readonly ReactionRecord[];
  /** Earlier texts, oldest first, when the author edited it. */
  readonly edits?: readonly EditRecord[];
  /** The highest edit number applied (0 or absent: never edited). */
  readonly editNumber?: number;
  /** When the current text was written (the newest edit's time). */
  readonly editedAt?: number;
  /** When the author deleted it for everyone: a tombstone, its text gone. */
  readonly deletedAt?: number | null;
  /** Its disappearing timer in seconds (absent: kept). */
  readonly expireTimer?: number | null;
  /** When it disappears: sent + timer for our own, read + timer for incoming; null until it is read. */
  readonly expiresAt?: number | null;
  /** When a receipt said it was delivered / read (own direct messages). */
  readonly deliveredAt?: number | null;
  readonly readAt?: number | null;
}

/** A message as writers write it: its position is assigned on write. */
export type NewMessageRecord = Omit<MessageRecord, 'position'> & { readonly position?: string };

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

/** A text to send: the content is rebuilt from the message record, so the body is stored once. */
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

/** Tells the recipient our contact access key, name and avatar (a `profile` content, built when sent: always the current ones). */
export interface OutboxProfileRecord extends OutboxCommon {
  readonly kind: 'profile';
}

/**
 * Group control to one member (groups/group-control.ts): the signed changes
 * and digest as they go on the wire (public among the members; the row is
 * sealed at rest like every other).
 */
export interface OutboxGroupRecord extends OutboxCommon {
  readonly kind: 'group';
  readonly content: Extract<OutgoingContent, { type: 'group' }>;
}

/**
 * Our sender key for a group to one joined member (docs/protocol.md §10,
 * Sender keys): the vault builds the `sender-key` content and refuses it once
 * `distributionId` is no longer our current one (STALE_SENDER_KEY: dropped).
 * Once the relay accepted it, the member joins the group's `distributedTo`.
 */
export interface OutboxSenderKeyRecord extends OutboxCommon {
  readonly kind: 'sender-key';
  readonly groupId: string;
  readonly distributionId: string;
}

/**
 * Asks a member for its sender key of a group again (groups/sender-key-repair.ts):
 * one of its group messages failed NO_SENDER_KEY here. A `sender-key-request`
 * content naming the chain that message named.
 */
export interface OutboxSenderKeyRequestRecord extends OutboxCommon {
  readonly kind: 'sender-key-request';
  readonly groupId: string;
  readonly distributionId: string;
}

/**
 * A text to a group (groups/group-send.ts): one multi-recipient upload per
 * relay the joined members live on. `recipient` is our own account (the item
 * waits for the home connection, which issues the sender certificate);
 * `relaysDone` are the relays that already committed it, so a retry after a
 * partial failure uploads only to the others.
 */
export interface OutboxGroupTextRecord extends OutboxCommon {
  readonly kind: 'group-text';
  readonly messageId: string;
  readonly groupId: string;
  relaysDone: string[];
}

/**
 * A reaction, edit, delete for everyone or timer change to the peer of a
 * direct conversation (conversation-send.ts): the content as it goes on the
 * wire, without `v` (the row is sealed at rest like every other).
 */
export interface OutboxActionRecord extends OutboxCommon {
  readonly kind: 'action';
  readonly content: Extract<OutgoingContent, { type: 'reaction' | 'edit' | 'delete' | 'expire-timer' }>;
}

/**
 * A reaction, edit or delete whose target message has not arrived yet
 * (conversation-actions.ts): applied when it does, dropped after 30 days.
 */
export interface HeldActionRecord {
  /** The action content's id. */
  readonly id: string;
  readonly targetMessageId: string;
  readonly senderAccountId: AccountId;
  readonly content: Extract<OutgoingContent, { type: 'reaction' | 'edit' | 'delete' }>;
  readonly receivedAt: number;
}

/** A message with a running disappearing timer (message-expiry.ts): removed at `expiresAt`. */
export interface ExpiryRecord {
  readonly messageId: string;
  readonly conversationId: string;
  readonly expiresAt: number;
}

export type OutboxRecord =
  | OutboxActionRecord
  | OutboxTextRecord
  | OutboxReceiptRecord
  | OutboxSessionResetRecord
  | OutboxProfileRecord
  | OutboxGroupRecord
  | OutboxSenderKeyRecord
  | OutboxSenderKeyRequestRecord
  | OutboxGroupTextRecord;

/**
 * The envelopes one commit recorded (one row per batch: one request and one
 * seal, not one per envelope): later copies of them are acked and dropped.
 */
export interface ReceivedEnvelopeRecord {
  /** Auto-increment: arrival order, so the oldest can be pruned first without an index on time. */
  readonly seq?: number;
  /** Each id is an entry of the unique multi-entry index: no id is in two rows. */
  readonly envelopeIds: readonly string[];
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
  /** The copy of a version 1 database into this one (at-rest/legacy-migration.ts). */
  legacyMigration: LegacyMigrationState;
  /** This account's two access keys (access-keys.ts); a backup carries them, so a restore keeps the contact code. */
  accessKeys: OwnAccessKeys;
  /** The keys the relay confirmed (PUT answered); registered again while it differs from `accessKeys`. */
  accessKeysRegistered: OwnAccessKeys;
  /** Our display name and avatar, sent in every profile (own-profile.ts). */
  ownProfile: OwnProfile;
}

/** An account's access keys, canonical base64 of 16 bytes each (docs/protocol.md §4.7). */
export interface OwnAccessKeys {
  /** In the contact code, for people who do not know the user yet; "Reset contact code" replaces it. */
  readonly codeKey: string;
  /** Sent end-to-end encrypted (a `profile`) to every contact. */
  readonly contactKey: string;
}

export interface LegacyMigrationState {
  /** copying: started, not finished (a restart starts it over); done: every row copied. */
  readonly state: 'copying' | 'done';
  readonly at: number;
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

/** Where this account stands in a group, from its own fold (groups/). */
export type GroupMembership = 'invited' | 'joined' | 'former' | 'none';

/**
 * A group this account knows of: the fold of its change set (null until the
 * set holds the create), our sender-key chain for it and who has it.
 */
export interface GroupRecord {
  readonly groupId: string;
  /** The folded state (crypto-core GroupState, JSON-safe); null before the create arrived. */
  state: GroupState | null;
  membership: GroupMembership;
  /** Our current distribution id (the vault holds the chain); null before our first group message. */
  distributionId: string | null;
  /** Members that were sent the sender key for `distributionId` (queued in the outbox before any group message). */
  distributedTo: AccountId[];
  /** The member whose changes told us of the group (who invited us); null for our own groups. */
  invitedBy: AccountId | null;
  updatedAt: number;
}

/** One verified signed change of a group's set, as received (base64): the fold reads these. */
export interface GroupChangeRecord {
  /** `<groupId>:<changeId>`. */
  readonly id: string;
  readonly groupId: string;
  readonly changeId: string;
  readonly body: string;
  readonly signature: string;
}

/** A member's delivery and read state of one of our group messages. */
export interface GroupReceiptRecord {
  /** `<messageId>:<accountId>`. */
  readonly id: string;
  readonly messageId: string;
  readonly groupId: string;
  readonly accountId: AccountId;
  state: 'sent' | 'delivered' | 'read';
}
