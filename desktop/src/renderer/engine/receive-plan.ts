/**
 * Turns one batch of decrypt outcomes into what to do with each envelope.
 * Pure: no I/O, so every vault outcome's handling is decided (and tested) in
 * one place. The rules:
 *
 * - text and content from a newer Parley: stored as messages; receipts:
 *   applied to own messages (a read receipt as a delivery receipt while the
 *   user turned read receipts off: then no read state is shown); typing:
 *   in-memory state only; content that only
 *   updated vault state (null): nothing to store; group control: merged and
 *   answered in the commit (groups/group-receive.ts). All of these are committed (recorded as received, then acked).
 * - DUPLICATE_MESSAGE and every "this will never decrypt" code: committed
 *   without content (acked and dropped, logged), so the relay stops
 *   re-sending it.
 * - FORGED_IDENTITY (a key the named account id does not commit to, in a
 *   PreKey message or a relay-signed sender certificate): refused by the
 *   vault with nothing of it kept, committed without content (acked, so it
 *   neither blocks the queue nor comes back). For a known contact it is a
 *   forgery by the relay it came from: a notice goes into the conversation
 *   in the same commit (forgery-notices.ts). From an unknown account it is a
 *   forged first contact, which cannot impersonate anyone the user knows:
 *   dropped and logged, nothing shown.
 * - LOCKED, INTERNAL, STORAGE, an unreachable vault or any code we do not
 *   know: retried later, never acked.
 * - NO_SESSION, INVALID_MESSAGE, INVALID_KEY_ID with a sender the vault
 *   learned: dropped as above, and the sender is a repair candidate
 *   (session-repair.ts decides whether to ask it for a fresh session).
 *   session-reset content: its sender wants our undelivered messages again.
 * - NO_SENDER_KEY for a group message whose sender the vault learned: dropped
 *   as above, and the sender is asked for its sender key again
 *   (`senderKeyRequests`, groups/sender-key-repair.ts); a
 *   sender-key-request content from a member: our key and the group texts
 *   it never confirmed go to it again (`senderKeyResends`).
 * - profile content: the sender's contact access key, name and avatar,
 *   stored on its contact (contact-access.ts).
 * - anything from a blocked account (message-requests.ts): committed
 *   without content (acked and dropped, nothing stored or shown, no receipt,
 *   no session repair), so the sender learns nothing.
 * - A sealed envelope from a known contact whose certificate a pinned root
 *   of another relay than the contact's validated (`senderRelay`): refused,
 *   committed without content and logged (docs/protocol.md §5). Only the
 *   contact's own relay vouches for the contact.
 * - UNKNOWN_SENDER_RELAY left after the pipeline tried to pin the relay the
 *   sender named (unreachable, or a changed trust root): retried later.
 */
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import type { DecryptOutcome, IncomingContent } from '../../common/vault-api.js';
import type { IncomingProfile } from './contact-access.js';
import type { IncomingAction } from './conversation-actions.js';
import { directConversationId, groupConversationId, messageSortKey, orderingTime } from './conversation-ids.js';
import type { TimerChange } from './disappearing-timer.js';
import type { IncomingGroupControl } from './groups/group-receive.js';
import type { MentionRecord, MessageKind, QuoteRecord } from './records.js';

/** A message to store (text, or a placeholder for content this version cannot show). */
export interface IncomingMessage {
  readonly envelopeId: string;
  readonly messageId: string;
  readonly kind: Extract<MessageKind, 'text' | 'unsupported'>;
  readonly senderAccountId: AccountId;
  readonly conversationId: string;
  readonly groupId: string | null;
  readonly sentAt: number;
  readonly serverTimestamp: number;
  readonly sortKey: string;
  /** The text, for kind 'text'. */
  readonly body: string | null;
  /** A reply's quote (text version 2). */
  readonly quote?: QuoteRecord;
  /** Its disappearing timer in seconds (text version 2). */
  readonly expireTimer?: number;
  /** A group text's mentions (text version 2), and whether one names us. */
  readonly mentions?: readonly MentionRecord[];
  readonly mentionsMe?: boolean;
}

/** A reaction, edit or delete from the peer of a direct conversation (conversation-actions.ts). */
export interface IncomingMessageAction extends IncomingAction {
  readonly envelopeId: string;
}

/** The peer changed the conversation's disappearing timer (disappearing-timer.ts). */
export interface IncomingTimerChange {
  readonly envelopeId: string;
  readonly senderAccountId: AccountId;
  readonly conversationId: string;
  readonly content: TimerChange;
  readonly sortAt: number;
}

export interface IncomingReceipt {
  readonly senderAccountId: AccountId;
  readonly kind: 'delivery' | 'read';
  readonly messageIds: readonly string[];
}

export interface IncomingTyping {
  readonly senderAccountId: AccountId;
  readonly conversationId: string;
  readonly action: 'started' | 'stopped';
}

/** A member's sender-key chain of a group that someone lacks: asked for, or asked of us. */
export interface SenderKeyWant {
  /** The chain's owner when we ask; the member asking when we answer. */
  readonly accountId: AccountId;
  readonly groupId: string;
  readonly distributionId: string;
}

export interface DroppedEnvelope {
  readonly envelopeId: string;
  readonly reason: string;
}

export interface ReceivePlan {
  readonly messages: IncomingMessage[];
  readonly receipts: IncomingReceipt[];
  readonly typing: IncomingTyping[];
  /** Known contacts for whom the relay presented a key their id does not commit to (FORGED_IDENTITY). */
  readonly forgeries: AccountId[];
  /** Stored (non-ephemeral) envelopes to record as received and ack after the commit. */
  readonly commitIds: string[];
  /** Envelopes decrypted by the vault: released once committed (ephemeral ones at once). */
  readonly releaseIds: string[];
  /** Transient failures: decrypt again later. */
  readonly retry: Envelope[];
  readonly dropped: DroppedEnvelope[];
  /** Senders of envelopes that failed for want of a usable session (repair candidates; contacts or not). */
  readonly sessionRepairs: AccountId[];
  /** Senders that sent a session-reset: re-send them what they never confirmed. */
  readonly sessionResets: AccountId[];
  /** Group messages that failed NO_SENDER_KEY: ask their senders for the chain (sender-key repair). */
  readonly senderKeyRequests: SenderKeyWant[];
  /** Members that asked for our sender key of a group (sender-key-request content). */
  readonly senderKeyResends: SenderKeyWant[];
  /** Contact access keys that senders told us (profile content). */
  readonly profiles: IncomingProfile[];
  /** Group control, its changes checked by the vault (groups/group-receive.ts). */
  readonly groups: IncomingGroupControl[];
  /** Reactions, edits and deletes (conversation-actions.ts). */
  readonly actions: IncomingMessageAction[];
  /** Disappearing-timer changes (disappearing-timer.ts). */
  readonly timerChanges: IncomingTimerChange[];
  /** Each sealed sender's relay (the one whose pinned root certified it): a stranger's contact record gets it. */
  readonly senderRelays: Map<AccountId, string>;
}

/**
 * Failures that mean "our session with this sender is not the one it used"
 * (after a restore there is none; a wiped or stale one gives INVALID_MESSAGE,
 * a prekey message naming a prekey this device no longer has INVALID_KEY_ID).
 */
const SESSION_FAILURES: ReadonlySet<string> = new Set(['NO_SESSION', 'INVALID_MESSAGE', 'INVALID_KEY_ID']);

/** Codes after which the same ciphertext will never decrypt: ack and drop. */
const UNDECRYPTABLE: ReadonlySet<string> = new Set([
  'DUPLICATE_MESSAGE',
  'INVALID_MESSAGE',
  'INVALID_CONTENT',
  'INVALID_ENCODING',
  'INVALID_KEY_ID',
  'INVALID_CERTIFICATE',
  'INVALID_SIGNATURE',
  'NO_SESSION',
  'NO_SENDER_KEY',
  'CONTENT_TOO_LARGE',
  'INVALID_WIRE_MESSAGE',
  'INVALID_ARGUMENT',
  'ACCOUNT_ID_MISMATCH',
]);

export interface PlanContext {
  /** Account ids with a contact record (a forged key for one of them is worth a notice). */
  readonly knownAccounts: ReadonlySet<string>;
  /** Each known sealed sender's relay (canonical URL), from its contact record. */
  readonly contactRelays?: ReadonlyMap<string, string>;
  readonly ownAccountId: AccountId;
  /**
   * The vault holds this relay's sealed-sender trust root. Without it every
   * sealed envelope fails INVALID_CERTIFICATE through no fault of its own, so
   * that failure is retried rather than dropped.
   */
  readonly sealedSenderReady: boolean;
  /** Accounts the user blocked: whatever they send is dropped. */
  readonly blockedAccounts?: ReadonlySet<string>;
  /** The user shows contacts' read receipts (default); when false, a read receipt counts as a delivery receipt. */
  readonly showReadReceipts?: boolean;
}

function conversationFor(sender: AccountId, groupId: string | undefined): string {
  return groupId === undefined ? directConversationId(sender) : groupConversationId(groupId);
}

export function planReceive(
  envelopes: readonly Envelope[],
  outcomes: readonly DecryptOutcome[],
  context: PlanContext,
): ReceivePlan {
  const plan: ReceivePlan = {
    messages: [],
    receipts: [],
    typing: [],
    forgeries: [],
    commitIds: [],
    releaseIds: [],
    retry: [],
    dropped: [],
    sessionRepairs: [],
    sessionResets: [],
    senderKeyRequests: [],
    senderKeyResends: [],
    profiles: [],
    groups: [],
    actions: [],
    timerChanges: [],
    senderRelays: new Map(),
  };
  const outcomeById = new Map<string, DecryptOutcome>();
  for (const outcome of outcomes) outcomeById.set(outcome.ok ? outcome.value.envelopeId : outcome.envelopeId, outcome);

  for (const envelope of envelopes) {
    const stored = envelope.ephemeral !== true;
    const outcome = outcomeById.get(envelope.id);
    if (outcome === undefined) {
      // The vault answered for fewer envelopes than asked: try the rest again.
      plan.retry.push(envelope);
      continue;
    }
    if (!outcome.ok) {
      const code = outcome.error.code;
      if (code === 'FORGED_IDENTITY') {
        const impersonated = outcome.impersonated ?? envelope.source?.accountId;
        const known = impersonated !== undefined && context.knownAccounts.has(impersonated);
        if (known) plan.forgeries.push(impersonated);
        plan.dropped.push({
          envelopeId: envelope.id,
          reason: known ? 'forged key for a contact (FORGED_IDENTITY)' : 'forged first contact (FORGED_IDENTITY)',
        });
        if (stored) plan.commitIds.push(envelope.id);
      } else if (code === 'INVALID_CERTIFICATE' && !context.sealedSenderReady) {
        plan.retry.push(envelope);
      } else if (UNDECRYPTABLE.has(code)) {
        plan.dropped.push({ envelopeId: envelope.id, reason: code });
        if (stored) plan.commitIds.push(envelope.id);
        const sender = outcome.sender?.accountId;
        const blocked = sender !== undefined && context.blockedAccounts?.has(sender) === true;
        if (SESSION_FAILURES.has(code) && sender !== undefined && sender !== context.ownAccountId && !blocked) {
          plan.sessionRepairs.push(sender);
        }
        if (code === 'NO_SENDER_KEY' && outcome.group !== undefined && sender !== undefined) {
          if (sender !== context.ownAccountId && !blocked)
            plan.senderKeyRequests.push({ accountId: sender, ...outcome.group });
        }
      } else {
        plan.retry.push(envelope);
      }
      continue;
    }

    const { sender, content, senderRelay } = outcome.value;
    plan.releaseIds.push(envelope.id);
    if (stored) plan.commitIds.push(envelope.id);
    const contactRelay = context.contactRelays?.get(sender.accountId);
    if (senderRelay !== undefined && contactRelay !== undefined && senderRelay !== contactRelay) {
      plan.dropped.push({ envelopeId: envelope.id, reason: "certified by another relay than the contact's" });
      continue;
    }
    if (senderRelay !== undefined) plan.senderRelays.set(sender.accountId, senderRelay);
    if (sender.accountId === context.ownAccountId) {
      // Our other devices' sync messages need linked devices (not built yet).
      plan.dropped.push({ envelopeId: envelope.id, reason: 'from own account' });
      continue;
    }
    if (context.blockedAccounts?.has(sender.accountId) === true) {
      plan.dropped.push({ envelopeId: envelope.id, reason: 'blocked sender' });
      continue;
    }
    if (content === null) continue;
    if (!stored && content.type !== 'typing') {
      // Only typing travels ephemerally; anything else here was never meant to be kept.
      plan.dropped.push({ envelopeId: envelope.id, reason: `ephemeral ${content.type}` });
      continue;
    }
    applyContent(plan, envelope, sender.accountId, content, context);
  }
  return plan;
}

function applyContent(
  plan: ReceivePlan,
  envelope: Envelope,
  sender: AccountId,
  content: IncomingContent,
  context: PlanContext,
): void {
  switch (content.type) {
    case 'text': {
      const sentAt = orderingTime(content.sentAt, envelope.serverTimestamp);
      plan.messages.push({
        envelopeId: envelope.id,
        messageId: content.id,
        kind: 'text',
        senderAccountId: sender,
        conversationId: conversationFor(sender, content.groupId),
        groupId: content.groupId ?? null,
        sentAt: content.sentAt,
        serverTimestamp: envelope.serverTimestamp,
        sortKey: messageSortKey(sentAt, content.id),
        body: content.body,
        ...(content.quote === undefined ? {} : { quote: content.quote }),
        ...(content.expireTimer === undefined ? {} : { expireTimer: content.expireTimer }),
        // Mentions mean something only in a group; a direct text's are ignored.
        ...(content.mentions === undefined || content.groupId === undefined
          ? {}
          : {
              mentions: content.mentions,
              mentionsMe: content.mentions.some((mention) => mention.accountId === context.ownAccountId),
            }),
      });
      return;
    }
    case 'reaction':
    case 'edit':
    case 'delete':
      if (content.groupId !== undefined) {
        // Group reactions, edits and deletes are not sent by this version yet.
        plan.dropped.push({ envelopeId: envelope.id, reason: `${content.type} in a group` });
        return;
      }
      plan.actions.push({ envelopeId: envelope.id, senderAccountId: sender, content });
      return;
    case 'expire-timer':
      if (content.groupId !== undefined) {
        plan.dropped.push({ envelopeId: envelope.id, reason: 'expire-timer in a group' });
        return;
      }
      plan.timerChanges.push({
        envelopeId: envelope.id,
        senderAccountId: sender,
        conversationId: directConversationId(sender),
        content,
        sortAt: orderingTime(content.sentAt, envelope.serverTimestamp),
      });
      return;
    case 'receipt': {
      const kind = content.kind === 'read' && context.showReadReceipts === false ? 'delivery' : content.kind;
      plan.receipts.push({ senderAccountId: sender, kind, messageIds: content.messageIds });
      return;
    }
    case 'typing':
      plan.typing.push({
        senderAccountId: sender,
        conversationId: conversationFor(sender, content.groupId),
        action: content.action,
      });
      return;
    case 'unsupported': {
      const messageId = content.messageId ?? envelope.id;
      const sentAt = content.sentAt ?? envelope.serverTimestamp;
      plan.messages.push({
        envelopeId: envelope.id,
        messageId,
        kind: 'unsupported',
        senderAccountId: sender,
        conversationId: directConversationId(sender),
        groupId: null,
        sentAt,
        serverTimestamp: envelope.serverTimestamp,
        sortKey: messageSortKey(orderingTime(sentAt, envelope.serverTimestamp), messageId),
        body: null,
      });
      return;
    }
    case 'group':
      plan.groups.push({ envelopeId: envelope.id, senderAccountId: sender, content });
      return;
    case 'sender-key':
      // The vault processed the key into its store (the sender's group messages decrypt from now on): nothing to keep.
      plan.dropped.push({ envelopeId: envelope.id, reason: 'sender key (processed by the vault)' });
      return;
    case 'session-reset':
      plan.sessionResets.push(sender);
      return;
    case 'sender-key-request':
      plan.senderKeyResends.push({
        accountId: sender,
        groupId: content.groupId,
        distributionId: content.distributionId,
      });
      return;
    case 'profile':
      plan.profiles.push({
        senderAccountId: sender,
        accessKey: content.accessKey,
        ...(content.relayUrl === undefined ? {} : { relayUrl: content.relayUrl }),
        name: content.name ?? null,
        avatar: content.avatar ?? null,
      });
      return;
  }
}
