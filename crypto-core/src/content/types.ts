/**
 * Decoded plaintext content: what travels inside a Signal message
 * (docs/protocol.md §Content). Ids are lowercase UUID strings; times are
 * milliseconds since the Unix epoch; bytes are Uint8Arrays. Browser-safe.
 */
import type { AccountId } from '../address/account-id.js';
import type { Bytes } from '../encoding.js';

/** A text message, optionally in a group and optionally quoting an earlier message. */
export interface TextContent {
  readonly type: 'text';
  /** The message id, chosen by the sender; receivers de-duplicate and reference by it. */
  readonly id: string;
  readonly sentAt: number;
  readonly body: string;
  readonly groupId?: string | undefined;
  readonly quotedMessageId?: string | undefined;
}

/** Acknowledges that messages reached a device (`delivery`) or were seen (`read`). */
export interface ReceiptContent {
  readonly type: 'receipt';
  readonly kind: 'delivery' | 'read';
  readonly messageIds: readonly string[];
  readonly sentAt: number;
}

/** Typing started or stopped, in a direct conversation or a group. */
export interface TypingContent {
  readonly type: 'typing';
  readonly action: 'started' | 'stopped';
  readonly sentAt: number;
  readonly groupId?: string | undefined;
}

interface GroupControlBase {
  readonly type: 'group';
  /** Id of this control message, so it can be shown in the timeline and de-duplicated. */
  readonly id: string;
  readonly sentAt: number;
  readonly groupId: string;
}

/** A new group: its name and full member list (including the sender). */
export interface GroupCreateContent extends GroupControlBase {
  readonly action: 'create';
  readonly name: string;
  readonly members: readonly AccountId[];
  /** The sender's SenderKeyDistributionMessage (libsignal serialization), so group sends work at once. */
  readonly senderKeyDistribution?: Bytes | undefined;
}

export interface GroupAddMembersContent extends GroupControlBase {
  readonly action: 'add-members';
  /** The accounts added. */
  readonly members: readonly AccountId[];
  readonly senderKeyDistribution?: Bytes | undefined;
}

export interface GroupRemoveMembersContent extends GroupControlBase {
  readonly action: 'remove-members';
  /** The accounts removed. */
  readonly members: readonly AccountId[];
  /** A fresh distribution, since removed members knew the previous sender key. */
  readonly senderKeyDistribution?: Bytes | undefined;
}

export interface GroupLeaveContent extends GroupControlBase {
  readonly action: 'leave';
}

export interface GroupRenameContent extends GroupControlBase {
  readonly action: 'rename';
  readonly name: string;
}

export type GroupControlContent =
  | GroupCreateContent
  | GroupAddMembersContent
  | GroupRemoveMembersContent
  | GroupLeaveContent
  | GroupRenameContent;

/** A SenderKeyDistributionMessage on its own (e.g. after a sender-key rotation). */
export interface SenderKeyContent {
  readonly type: 'sender-key';
  readonly groupId: string;
  readonly senderKeyDistribution: Bytes;
}

/**
 * "I could not decrypt what you sent and have started a fresh session: send
 * again what I never confirmed." Never shown in the history.
 */
export interface SessionResetContent {
  readonly type: 'session-reset';
  /** Id of this request, so a copy delivered twice is recognised. */
  readonly id: string;
  readonly sentAt: number;
}

/**
 * What the sender tells a contact about itself: the contact access key that
 * reaches it, its home relay, display name and avatar (docs/protocol.md
 * §4.7, §4.9). Never shown in the history; each one replaces the last.
 */
export interface ProfileContent {
  readonly type: 'profile';
  /** The sender's contact access key (16 bytes). */
  readonly accessKey: Bytes;
  /** The sender's home relay, canonical (normalizeRelayUrl). */
  readonly relayUrl?: string;
  readonly name?: string;
  readonly avatar?: { readonly contentType: 'image/png' | 'image/jpeg' | 'image/webp'; readonly data: Bytes };
}

/** Every content this build can encode and fully understand. */
export type KnownContent =
  | TextContent
  | ReceiptContent
  | TypingContent
  | GroupControlContent
  | SenderKeyContent
  | SessionResetContent
  | ProfileContent;

/**
 * Well-formed content this build does not understand: a newer format version
 * or an unknown type. The UI shows "needs a newer version of Parley"; `encoded`
 * keeps the exact bytes so a later version can decode them again.
 */
export interface UnsupportedContent {
  readonly type: 'unsupported';
  /** The content's `v`. */
  readonly version: number;
  /** The content's `type` string (e.g. "poll"). */
  readonly contentType: string;
  /** The content's `id`, when it has one shaped like a message id. */
  readonly messageId?: string | undefined;
  /** The content's `sentAt`, when it has a valid one. */
  readonly sentAt?: number | undefined;
  /** The unpadded UTF-8 JSON, as received. */
  readonly encoded: Bytes;
}

export type Content = KnownContent | UnsupportedContent;
