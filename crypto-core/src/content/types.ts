/**
 * Decoded plaintext content: what travels inside a Signal message
 * (docs/protocol.md §Content). Ids are lowercase UUID strings; times are
 * milliseconds since the Unix epoch; bytes are Uint8Arrays. Browser-safe.
 */
import type { Bytes } from '../encoding.js';
import type { ConversationActionContent, Mention, Quote } from './conversation.js';
import type { SenderKeyRequestContent } from './sender-key-request.js';

/** A text message, optionally in a group and optionally quoting an earlier message. */
export interface TextContent {
  readonly type: 'text';
  /** The message id, chosen by the sender; receivers de-duplicate and reference by it. */
  readonly id: string;
  readonly sentAt: number;
  readonly body: string;
  readonly groupId?: string | undefined;
  readonly quotedMessageId?: string | undefined;
  /** A reply: the message it answers, its author and a snippet of its text (text version 2). */
  readonly quote?: Quote | undefined;
  /** Disappearing-message timer of this message, in seconds: one of EXPIRE_TIMER_SECONDS (text version 2; absent: kept). */
  readonly expireTimer?: number | undefined;
  /** Who the text mentions: ranges of `body` in UTF-16 code units, in order, not overlapping (text version 2). */
  readonly mentions?: readonly Mention[] | undefined;
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

/** A signed group change as it travels: the body bytes and the author's signature over them (docs/protocol.md §10). */
export interface SignedGroupChange {
  /** UTF-8 JSON of the change. */
  readonly body: Bytes;
  /** XEdDSA signature (64 bytes) by the author's identity key over "Parley group change v1" 0x00 || body. */
  readonly signature: Bytes;
}

/** A digest of a whole set of group changes: how many, and SHA-256 over their ids and body hashes. */
export interface GroupSetDigest {
  readonly count: number;
  /** 32 bytes. */
  readonly sha256: Bytes;
}

export type GroupMessageKind = 'update' | 'answer' | 'sync';

/**
 * Group control: signed changes to a group's state, sent over 1:1 sessions
 * to each member, with the sender's view of the whole set for anti-entropy
 * (docs/protocol.md §10). Never shown in the history as such: the fold of the
 * changes is what the UI shows.
 */
export interface GroupContent {
  readonly type: 'group';
  readonly groupId: string;
  /**
   * `update`: the author's new change, or the history sent to someone newly
   * invited; `answer`: changes the receiver was found to lack; `sync`: no
   * changes, only what the sender holds (docs/protocol.md §10, Anti-entropy).
   */
  readonly kind: GroupMessageKind;
  /** At least one change, except in a `sync`, which has none. */
  readonly changes: readonly SignedGroupChange[];
  /** The digest of the sender's whole set, these changes included. */
  readonly digest: GroupSetDigest;
  /** Every change id the sender holds, when it holds few enough to list (sorted ascending). */
  readonly have?: readonly string[] | undefined;
}

/**
 * A member's SenderKeyDistributionMessage for a group, over a 1:1 session:
 * when it joins, when a member is added, and after every rotation.
 */
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

/** Where an attachment's encrypted blob is and how to check and open it (docs/protocol.md §11.2). */
export interface AttachmentPointer {
  /** The blob's id on the sender's home relay. */
  readonly blobId: string;
  /** 64 bytes: AES-256 key || HMAC-SHA256 key, fresh for this attachment. */
  readonly key: Bytes;
  /** SHA-256 of the whole blob (32 bytes), checked before anything is shown. */
  readonly digest: Bytes;
  /** Plaintext bytes. */
  readonly size: number;
  /** Lowercase MIME type, as the sender judged it: a hint, never trusted to open the file. */
  readonly contentType: string;
  readonly fileName?: string | undefined;
  /** Image or video size in pixels; both or neither. */
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  /** A small preview image, inline (at most 4 KiB). */
  readonly thumbnail?:
    | { readonly contentType: 'image/png' | 'image/jpeg' | 'image/webp'; readonly data: Bytes }
    | undefined;
  /** Present for a voice note recorded in the app. */
  readonly voiceNote?: { readonly durationMs: number } | undefined;
}

/** A message of one or more attachments, optionally captioned, in a direct conversation or a group. */
export interface AttachmentContent {
  readonly type: 'attachment';
  readonly id: string;
  readonly sentAt: number;
  readonly attachments: readonly AttachmentPointer[];
  readonly caption?: string | undefined;
  readonly groupId?: string | undefined;
  readonly quotedMessageId?: string | undefined;
}

/** Every content this build can encode and fully understand. */
export type KnownContent =
  | TextContent
  | ReceiptContent
  | TypingContent
  | GroupContent
  | SenderKeyContent
  | SessionResetContent
  | ProfileContent
  | AttachmentContent
  | ConversationActionContent
  | SenderKeyRequestContent;

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
