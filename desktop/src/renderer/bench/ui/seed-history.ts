/**
 * Seeds one long conversation straight into the engine's database, as the
 * engine itself stores one: a contact, its direct conversation and N
 * messages, sealed at rest under the vault's data key by the database's own
 * layer, so the chat view opens exactly what it would in the app. Bodies vary
 * in length (one line to a paragraph, some with links, some on several
 * lines), senders alternate in runs, times spread over many days, and a few
 * notices and failed messages are mixed in. Every body starts with its
 * number in brackets, so the benchmark can tell which rows it reached.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { seededRandom } from '@parley/test-support/fuzz';
import { directConversationId, messageSortKey } from '../../engine/conversation-ids.js';
import type { EngineDatabase } from '../../engine/database.js';
import type { MessageState, NewMessageRecord } from '../../engine/records.js';

export const BENCH_PEER = 'benchpeerbenchpeerbenchpeerbench' as AccountId;

const WORDS =
  'the relay kept every envelope until the client came back and acknowledged it after the commit so nothing was lost or shown twice even when the laptop slept through the night'.split(
    ' ',
  );

function sentence(random: () => number, words: number): string {
  const picked: string[] = [];
  for (let i = 0; i < words; i++) picked.push(WORDS[Math.floor(random() * WORDS.length)] ?? 'word');
  return picked.join(' ');
}

export function benchBody(index: number, random: () => number): string {
  const roll = random();
  const text =
    roll < 0.45
      ? sentence(random, 1 + Math.floor(random() * 6))
      : roll < 0.8
        ? sentence(random, 8 + Math.floor(random() * 20))
        : roll < 0.9
          ? `${sentence(random, 4)} https://example.org/notes/${index}?ref=bench ${sentence(random, 3)}`
          : roll < 0.96
            ? `${sentence(random, 6)}\n${sentence(random, 5)}\n${sentence(random, 7)}`
            : sentence(random, 60 + Math.floor(random() * 60));
  return `[${index}] ${text}`;
}

export interface SeedResult {
  readonly conversationId: string;
  readonly messages: number;
  /** Writing the rows, sealing (and placing) them included. */
  readonly writeMs: number;
}

export async function seedHistory(
  db: EngineDatabase,
  count: number,
  options: { readonly ownAccount: AccountId; readonly now: number; readonly chunk?: number },
): Promise<SeedResult> {
  const conversationId = directConversationId(BENCH_PEER);
  const random = seededRandom(20261128);
  const chunk = options.chunk ?? 5000;
  // Mostly seconds apart, sometimes half an hour (some 330 messages a day), the newest a minute ago.
  const gaps = Array.from({ length: count }, () =>
    random() < 0.85 ? 5_000 + Math.floor(random() * 60_000) : 600_000 + Math.floor(random() * 1_800_000),
  );
  const startAt = options.now - 60_000 - gaps.reduce((total, gap) => total + gap, 0);
  let sentAt = startAt;
  let outgoing = false;
  let writeMs = 0;
  let lastSortKey = '';
  for (let start = 0; start < count; start += chunk) {
    const size = Math.min(chunk, count - start);
    const plans = Array.from({ length: size }, (_, offset) => {
      const index = start + offset;
      if (random() < 0.35) outgoing = !outgoing;
      sentAt += gaps[index] ?? 0;
      const id = crypto.randomUUID();
      const notice = index > 0 && index % 25_000 === 0;
      const state: MessageState = outgoing && index % 4999 === 7 ? 'failed' : 'read';
      return { index, id, sentAt, notice, outgoing: outgoing && !notice, state };
    });
    // A notice's body is the URL of the relay it names.
    const bodies = plans.map((plan) => (plan.notice ? 'http://127.0.0.1:9' : benchBody(plan.index, random)));
    const rows: NewMessageRecord[] = plans.map((plan, offset) => ({
      id: plan.id,
      conversationId,
      kind: plan.notice ? 'forged-key' : 'text',
      direction: plan.outgoing ? 'outgoing' : 'incoming',
      senderAccountId: plan.outgoing ? options.ownAccount : BENCH_PEER,
      sentAt: plan.sentAt,
      receivedAt: plan.outgoing ? null : plan.sentAt + 400,
      sortKey: messageSortKey(plan.sentAt, plan.id),
      state: plan.state,
      envelopeId: null,
      serverTimestamp: plan.sentAt + 200,
      body: bodies[offset] ?? null,
    }));
    lastSortKey = rows.at(-1)?.sortKey ?? lastSortKey;
    const mark = performance.now();
    await db.messages.bulkPut(rows);
    writeMs += performance.now() - mark;
  }
  await db.dexie.transaction('rw', [db.contacts, db.conversations], async () => {
    await db.contacts.put({
      accountId: BENCH_PEER,
      displayName: 'Bench Peer',
      relayUrl: 'http://127.0.0.1:9',
      verified: true,
      origin: 'contact-code',
      addedAt: startAt,
    });
    await db.conversations.put({
      id: conversationId,
      kind: 'direct',
      peerId: BENCH_PEER,
      title: null,
      lastActivityAt: sentAt,
      lastSortKey,
      unreadCount: 0,
      preview: null,
      createdAt: startAt,
    });
  });
  return { conversationId, messages: count, writeMs };
}
