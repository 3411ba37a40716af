/**
 * Decoded content -> what the engine may see (IncomingContent): JSON-safe,
 * and without key material. Sender-key distributions are the vault's
 * business (group.ts keeps the chains), so they are taken out here and handed
 * back separately for processing.
 */
import {
  type Bytes,
  type Content,
  CryptoErrorCode,
  type GroupContent,
  invalidInput,
  ParleyCryptoError,
  type ProfileContent,
  parseGroupChangeBody,
  type SignedGroupChange,
  verifyGroupChange,
  verifyIdentitySignature,
} from '@parley/crypto-core';
import {
  CONTENT_VERSION,
  groupContentFromWire,
  groupContentToWire,
  profileFromWire,
  profileToWire,
} from '@parley/crypto-core/content';
import { SenderKeyDistributionMessage } from '@signalapp/libsignal-client';
import type {
  IncomingContent,
  IncomingGroupContent,
  OutgoingContent,
  RefusedGroupChange,
} from '../common/vault-api.js';

export interface MappedContent {
  /** null when the content only updates vault state (a bare sender-key distribution). */
  readonly content: IncomingContent | null;
  /** A SenderKeyDistributionMessage to process into the store, if the content carried one. */
  readonly senderKeyDistribution: Bytes | null;
}

export function mapIncomingContent(content: Content): MappedContent {
  switch (content.type) {
    case 'text':
      return {
        content: {
          type: 'text',
          id: content.id,
          sentAt: content.sentAt,
          body: content.body,
          ...(content.groupId === undefined ? {} : { groupId: content.groupId }),
          ...(content.quotedMessageId === undefined ? {} : { quotedMessageId: content.quotedMessageId }),
          ...(content.quote === undefined ? {} : { quote: { ...content.quote } }),
          ...(content.expireTimer === undefined ? {} : { expireTimer: content.expireTimer }),
          ...(content.mentions === undefined ? {} : { mentions: content.mentions.map((mention) => ({ ...mention })) }),
        },
        senderKeyDistribution: null,
      };
    case 'reaction':
    case 'edit':
    case 'delete':
    case 'expire-timer':
      // Plain JSON: the engine checks the author, the window and the target (conversation-actions.ts).
      return { content: { ...content }, senderKeyDistribution: null };
    case 'receipt':
      return {
        content: { type: 'receipt', kind: content.kind, messageIds: [...content.messageIds], sentAt: content.sentAt },
        senderKeyDistribution: null,
      };
    case 'typing':
      return {
        content: {
          type: 'typing',
          action: content.action,
          sentAt: content.sentAt,
          ...(content.groupId === undefined ? {} : { groupId: content.groupId }),
        },
        senderKeyDistribution: null,
      };
    case 'group':
      // Checked here (the renderer has no libsignal); the engine merges and folds what passed.
      return { content: verifiedGroupToEngine(content), senderKeyDistribution: null };
    case 'sender-key':
      return {
        content: {
          type: 'sender-key',
          groupId: content.groupId,
          distributionId: distributionIdOf(content.senderKeyDistribution),
        },
        senderKeyDistribution: content.senderKeyDistribution,
      };
    case 'session-reset':
      return {
        content: { type: 'session-reset', id: content.id, sentAt: content.sentAt },
        senderKeyDistribution: null,
      };
    case 'profile':
      return { content: profileToEngine(content), senderKeyDistribution: null };
    case 'attachment':
      // This build's app cannot show attachments yet (issue 15, the in-app
      // part): the message reaches the engine as it did before the type
      // existed, an unsupported content, so it is shown as such, not lost.
      return {
        content: {
          type: 'unsupported',
          version: CONTENT_VERSION,
          contentType: 'attachment',
          messageId: content.id,
          sentAt: content.sentAt,
        },
        senderKeyDistribution: null,
      };
    case 'sender-key-request':
      return {
        content: { type: 'sender-key-request', groupId: content.groupId, distributionId: content.distributionId },
        senderKeyDistribution: null,
      };
    case 'unsupported':
      return {
        content: {
          type: 'unsupported',
          version: content.version,
          contentType: content.contentType,
          ...(content.messageId === undefined ? {} : { messageId: content.messageId }),
          ...(content.sentAt === undefined ? {} : { sentAt: content.sentAt }),
        },
        senderKeyDistribution: null,
      };
  }
  throw new Error('unreachable: unknown content type');
}

/** The distribution id a SenderKeyDistributionMessage is for (INVALID_MESSAGE when it does not parse: thrown by the caller's processing anyway). */
function distributionIdOf(message: Bytes): string {
  return SenderKeyDistributionMessage.deserialize(message as Uint8Array<ArrayBuffer>).distributionId();
}

/** One signed change checked as docs/protocol.md §10 says, and that it belongs to `groupId`. */
function checkChange(change: SignedGroupChange, groupId: string): void {
  verifyGroupChange(change, verifyIdentitySignature);
  if (parseGroupChangeBody(change.body).groupId !== groupId) {
    throw invalidInput(CryptoErrorCode.InvalidGroupChange, 'a change of another group than the content names');
  }
}

/** Group control as the engine gets it: the wire form without `v`, only the changes that verified. */
export function verifiedGroupToEngine(content: GroupContent): IncomingGroupContent {
  const passed: SignedGroupChange[] = [];
  const refused: RefusedGroupChange[] = [];
  content.changes.forEach((change, index) => {
    try {
      checkChange(change, content.groupId);
      passed.push(change);
    } catch (error) {
      const code = ParleyCryptoError.is(error) ? error.code : CryptoErrorCode.InvalidGroupChange;
      refused.push({ index, code, message: error instanceof Error ? error.message : 'refused' });
    }
  });
  const { v: _version, ...engine } = groupContentToWire({ ...content, changes: passed });
  return { ...engine, refused };
}

type GroupForVault = Extract<OutgoingContent, { type: 'group' }>;

export function groupFromEngine(content: GroupForVault): GroupContent {
  return groupContentFromWire({ v: CONTENT_VERSION, ...content });
}

type ProfileForEngine = Extract<OutgoingContent, { type: 'profile' }>;

/** A profile as the engine holds it: the wire form without `v` (key and avatar bytes as base64). */
export function profileToEngine(content: ProfileContent): ProfileForEngine {
  const { v: _version, ...engine } = profileToWire(content);
  return engine;
}

export function profileFromEngine(content: ProfileForEngine): ProfileContent {
  return profileFromWire({ v: CONTENT_VERSION, ...content });
}
