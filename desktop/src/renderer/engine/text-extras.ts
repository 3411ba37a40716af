/** What a stored text adds to its content beyond id, time and body: a reply's quote, its timer and its mentions (text version 2). */
import type { MentionRecord, MessageRecord, QuoteRecord } from './records.js';

export function textExtras(message: MessageRecord): {
  quote?: QuoteRecord;
  expireTimer?: number;
  mentions?: MentionRecord[];
} {
  const quote = message.quote ?? null;
  const expireTimer = message.expireTimer ?? 0;
  const mentions = message.mentions ?? [];
  return {
    ...(quote === null ? {} : { quote: { id: quote.id, author: quote.author, text: quote.text } }),
    ...(expireTimer > 0 ? { expireTimer } : {}),
    ...(mentions.length === 0
      ? {}
      : { mentions: mentions.map(({ start, length, accountId }) => ({ start, length, accountId })) }),
  };
}
