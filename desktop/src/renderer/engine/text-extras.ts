/** What a stored text adds to its content beyond id, time and body: a reply's quote and its timer (text version 2). */
import type { MessageRecord, QuoteRecord } from './records.js';

export function textExtras(message: MessageRecord): { quote?: QuoteRecord; expireTimer?: number } {
  const quote = message.quote ?? null;
  const expireTimer = message.expireTimer ?? 0;
  return {
    ...(quote === null ? {} : { quote: { id: quote.id, author: quote.author, text: quote.text } }),
    ...(expireTimer > 0 ? { expireTimer } : {}),
  };
}
