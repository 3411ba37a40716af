/**
 * Decoded content -> what the engine may see (IncomingContent): JSON-safe,
 * and without key material. Sender-key distributions are the vault's
 * business (group.ts keeps the chains), so they are taken out here and handed
 * back separately for processing.
 */
import type { Bytes, Content, ProfileContent } from '@parley/crypto-core';
import { CONTENT_VERSION, profileFromWire, profileToWire } from '@parley/crypto-core/content';
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
    case 'group': {
      const common = {
        type: 'group',
        action: content.action,
        id: content.id,
        sentAt: content.sentAt,
        groupId: content.groupId,
      } as const;
      switch (content.action) {
        case 'create':
          return {
            content: { ...common, name: content.name, members: [...content.members] },
            senderKeyDistribution: content.senderKeyDistribution ?? null,
          };
        case 'add-members':
        case 'remove-members':
          return {
            content: { ...common, members: [...content.members] },
            senderKeyDistribution: content.senderKeyDistribution ?? null,
          };
        case 'rename':
          return { content: { ...common, name: content.name }, senderKeyDistribution: null };
        case 'leave':
          return { content: common, senderKeyDistribution: null };
      }
      break;
    }
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

type ProfileForEngine = Extract<OutgoingContent, { type: 'profile' }>;

/** A profile as the engine holds it: the wire form without `v` (key and avatar bytes as base64). */
export function profileToEngine(content: ProfileContent): ProfileForEngine {
  const { v: _version, ...engine } = profileToWire(content);
  return engine;
}

export function profileFromEngine(content: ProfileForEngine): ProfileContent {
  return profileFromWire({ v: CONTENT_VERSION, ...content });
}
