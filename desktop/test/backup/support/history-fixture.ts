/**
 * Bulk history for backup tests: thousands of messages written straight into
 * a client's engine database (sealed under its data key, exactly as the
 * receive path stores them), plus a group conversation. Sending 10,000 real
 * messages through a relay would test the relay, not the backup.
 */
import { randomUUID } from 'node:crypto';
import type { AccountId } from '@parley/crypto-core/wire';
import { BodyCipher } from '../../../src/renderer/engine/body-cipher.js';
import { messageSortKey } from '../../../src/renderer/engine/conversation-ids.js';
import type { EngineDatabase } from '../../../src/renderer/engine/database.js';
import { fromBase64 } from '../../../src/renderer/engine/encoding.js';
import type { ConversationRecord, MessageRecord } from '../../../src/renderer/engine/records.js';
import type { Vault } from '../../../src/vault/index.js';

export async function engineCipher(vault: Vault): Promise<BodyCipher> {
  const { key } = await vault.getDataKey({});
  return BodyCipher.fromRawKey(fromBase64(key));
}

/** The text of the i-th generated message of a conversation: varied, with characters that need escaping. */
export function generatedBody(conversationId: string, index: number): string {
  return `#${index} in ${conversationId.slice(0, 14)} <b>&"'</b> ${'é✓'.repeat(index % 5)} ${'x'.repeat(index % 97)}`;
}

export interface GeneratedConversation {
  readonly conversationId: string;
  readonly peer: AccountId;
  readonly count: number;
}

/** Adds `count` messages (alternating directions) to a conversation, in batches. */
export async function addMessages(
  db: EngineDatabase,
  cipher: BodyCipher,
  own: AccountId,
  target: GeneratedConversation,
  startAt: number,
): Promise<void> {
  const batchSize = 1000;
  for (let first = 0; first < target.count; first += batchSize) {
    const rows: MessageRecord[] = [];
    for (let index = first; index < Math.min(target.count, first + batchSize); index++) {
      const id = randomUUID();
      const sentAt = startAt + index * 1000;
      const incoming = index % 2 === 0;
      rows.push({
        id,
        conversationId: target.conversationId,
        kind: 'text',
        direction: incoming ? 'incoming' : 'outgoing',
        senderAccountId: incoming ? target.peer : own,
        sentAt,
        receivedAt: incoming ? sentAt + 5 : null,
        sortKey: messageSortKey(sentAt, id),
        state: incoming ? 'read' : 'delivered',
        envelopeId: incoming ? randomUUID() : null,
        serverTimestamp: sentAt + 2,
        body: await cipher.seal({ table: 'messages', field: 'body', id }, generatedBody(target.conversationId, index)),
      });
    }
    await db.messages.bulkAdd(rows);
  }
}

/** A group conversation row (groups have no sending yet; the backup must still carry them). */
export async function addGroup(db: EngineDatabase, cipher: BodyCipher, name: string, now: number): Promise<string> {
  const groupId = randomUUID();
  const id = `group:${groupId}`;
  const conversation: ConversationRecord = {
    id,
    kind: 'group',
    peerId: groupId,
    title: name,
    lastActivityAt: now,
    lastSortKey: '',
    unreadCount: 3,
    preview: await cipher.seal({ table: 'conversations', field: 'preview', id }, `${name} preview`),
    createdAt: now,
  };
  await db.conversations.add(conversation);
  return id;
}
