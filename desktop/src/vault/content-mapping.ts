/**
 * Decoded content -> what the engine may see (IncomingContent): JSON-safe,
 * and without key material. Sender-key distributions are the vault's
 * business (group.ts keeps the chains), so they are taken out here and handed
 * back separately for processing.
 */
import type { Bytes, Content, GroupContent, ProfileContent } from '@parley/crypto-core';
import { CONTENT_VERSION, groupContentToWire, profileFromWire, profileToWire } from '@parley/crypto-core/content';
import type { IncomingContent, OutgoingContent } from '../common/vault-api.js';

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
        },
        senderKeyDistribution: null,
      };
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
      // Signed changes pass through as they came (base64): the engine
      // verifies and folds them; they carry no key material.
      return { content: groupToEngine(content), senderKeyDistribution: null };
    case 'sender-key':
      return { content: null, senderKeyDistribution: content.senderKeyDistribution };
    case 'session-reset':
      return {
        content: { type: 'session-reset', id: content.id, sentAt: content.sentAt },
        senderKeyDistribution: null,
      };
    case 'profile':
      return { content: profileToEngine(content), senderKeyDistribution: null };
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

type GroupForEngine = Extract<IncomingContent, { type: 'group' }>;

/** Group control as the engine holds it: the wire form without `v`. */
export function groupToEngine(content: GroupContent): GroupForEngine {
  const { v: _version, ...engine } = groupContentToWire(content);
  return engine;
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
