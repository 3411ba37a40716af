/**
 * Bulk history for backup tests: thousands of messages written straight into
 * a client's engine database (sealed at rest by the database's own layer,
 * exactly as the receive path stores them), plus a group conversation. Sending 10,000 real
 * messages through a relay would test the relay, not the backup.
 */
import { randomUUID } from 'node:crypto';
import type { AccountId } from '@parley/crypto-core/wire';
import { messageSortKey } from '../../../src/renderer/engine/conversation-ids.js';
import type { EngineDatabase } from '../../../src/renderer/engine/database.js';
import type { ConversationRecord, NewMessageRecord } from '../../../src/renderer/engine/records.js';

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
  own: AccountId,
  target: GeneratedConversation,
  startAt: number,
): Promise<void> {
  const batchSize = 1000;
  for (let first = 0; first < target.count; first += batchSize) {
    const rows: NewMessageRecord[] = [];
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
        body: generatedBody(target.conversationId, index),
      });
    }
    await db.messages.bulkAdd(rows);
  }
}

/** A group conversation row (groups have no sending yet; the backup must still carry them). */
export async function addGroup(db: EngineDatabase, name: string, now: number): Promise<string> {
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
    preview: `${name} preview`,
    createdAt: now,
  };
  await db.conversations.add(conversation);
  return id;
}
