/**
 * Sealing a batch's texts for IndexedDB before its transaction (an await on
 * WebCrypto inside it would end the transaction early): every body, and per
 * conversation the preview of the batch's newest message there, all started
 * at once so WebCrypto works on them together.
 */
import type { BodyCipher } from './body-cipher.js';
import { previewOf } from './previews.js';
import type { SealedIncomingMessage, SealedPreview } from './receive-commit.js';
import type { IncomingMessage } from './receive-plan.js';

export interface SealedBatch {
  readonly messages: SealedIncomingMessage[];
  readonly previews: Map<string, SealedPreview>;
}

export async function sealIncoming(cipher: BodyCipher, messages: readonly IncomingMessage[]): Promise<SealedBatch> {
  const newest = new Map<string, IncomingMessage & { readonly body: string }>();
  for (const message of messages) {
    if (message.body === null) continue;
    const current = newest.get(message.conversationId);
    if (current === undefined || message.sortKey > current.sortKey) {
      newest.set(message.conversationId, { ...message, body: message.body });
    }
  }
  const sealingMessages = Promise.all(
    messages.map(async (message) => ({
      ...message,
      sealedBody:
        message.body === null
          ? null
          : await cipher.seal({ table: 'messages', field: 'body', id: message.messageId }, message.body),
    })),
  );
  const sealingPreviews = Promise.all(
    [...newest].map(async ([conversationId, message]): Promise<[string, SealedPreview]> => {
      const preview = await cipher.seal(
        { table: 'conversations', field: 'preview', id: conversationId },
        previewOf(message.body),
      );
      return [conversationId, { messageId: message.messageId, preview }];
    }),
  );
  const [sealed, previews] = await Promise.all([sealingMessages, sealingPreviews]);
  return { messages: sealed, previews: new Map(previews) };
}
