/**
 * Reactions, edits, deletes and disappearing timers as the receive path
 * applies them (planReceive -> commitReceived on a sealed database): in
 * order and out of order (an action before its message is held, then
 * applied; a reaction to a deleted message is dropped), only by the author
 * and within the windows, across a restart (the held action survives),
 * timers that count from reading and messages removed on time and left out
 * of backups, and what a version-1 client shows for these types.
 */
import { EDIT_WINDOW_MS } from '@parley/crypto-core/content';
import type { AccountId, Envelope } from '@parley/crypto-core/wire';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, describe, expect, it } from 'vitest';
import type { DecryptOutcome, IncomingContent } from '../../src/common/vault-api.js';
import { messageToRecord } from '../../src/renderer/engine/backup/history-records.js';
import { applyAction } from '../../src/renderer/engine/conversation-actions.js';
import type { EngineDatabase } from '../../src/renderer/engine/database.js';
import { removeExpired } from '../../src/renderer/engine/message-expiry.js';
import { messageFeatures } from '../../src/renderer/engine/message-features-view.js';
import { ReadReceipts } from '../../src/renderer/engine/read-receipts.js';
import { commitReceived } from '../../src/renderer/engine/receive-commit.js';
import { planReceive } from '../../src/renderer/engine/receive-plan.js';
import type { MessageRecord } from '../../src/renderer/engine/records.js';
import { memoryDatabase, randomDataKey } from '../support/memory-database.js';

const ALICE = 'a'.repeat(32) as AccountId;
const MALLORY = 'q'.repeat(32) as AccountId;
const OWN = 'z'.repeat(32) as AccountId;
const NOW = 1_800_000_000_000;
const CONVERSATION = `direct:${ALICE}`;

let counter = 0;
function uuid(): string {
  counter++;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

const opened: EngineDatabase[] = [];
async function database(options: { indexedDB?: IDBFactory; dataKey?: Uint8Array } = {}): Promise<EngineDatabase> {
  const db = await memoryDatabase(options);
  opened.push(db);
  return db;
}
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

/** Receives `contents` from `sender` in one batch, as the pipeline would commit them. */
async function receive(db: EngineDatabase, contents: readonly IncomingContent[], sender: AccountId = ALICE, now = NOW) {
  const envelopes: Envelope[] = contents.map(() => ({
    id: uuid(),
    type: 'message',
    source: { accountId: sender, deviceId: 1 },
    destinationDeviceId: 1,
    content: 'AAAA',
    serverTimestamp: now,
  }));
  const outcomes: DecryptOutcome[] = envelopes.map((envelope, index) => ({
    ok: true,
    value: {
      envelopeId: envelope.id,
      sender: { accountId: sender, deviceId: 1 },
      sealed: false,
      content: contents[index] ?? null,
    },
  }));
  const plan = planReceive(envelopes, outcomes, {
    knownAccounts: new Set([ALICE, MALLORY]),
    ownAccountId: OWN,
    sealedSenderReady: true,
  });
  return commitReceived(db, {
    messages: plan.messages,
    receipts: plan.receipts,
    profiles: plan.profiles,
    forgeryNotices: [],
    envelopeIds: plan.commitIds,
    relayUrl: 'http://127.0.0.1:1',
    actions: plan.actions,
    timerChanges: plan.timerChanges,
    ownAccountId: OWN,
    now,
  });
}

function text(id: string, body: string, extra: Partial<Extract<IncomingContent, { type: 'text' }>> = {}) {
  return { type: 'text' as const, id, sentAt: NOW - 1000, body, ...extra };
}
function reaction(target: string, emoji: string | undefined, sentAt = NOW, author: AccountId = ALICE) {
  return {
    type: 'reaction' as const,
    id: uuid(),
    sentAt,
    targetMessageId: target,
    targetAuthor: author,
    ...(emoji === undefined ? {} : { emoji }),
  };
}
function edit(target: string, body: string, editNumber: number, sentAt = NOW) {
  return { type: 'edit' as const, id: uuid(), sentAt, targetMessageId: target, body, editNumber };
}
function remove(target: string, sentAt = NOW) {
  return { type: 'delete' as const, id: uuid(), sentAt, targetMessageId: target };
}

async function stored(db: EngineDatabase, id: string): Promise<MessageRecord> {
  const row = await db.messages.get(id);
  if (row === undefined) throw new Error(`message ${id} is not stored`);
  return row;
}

describe('replies and timers on received texts', () => {
  it('keeps the quote and the timer of a text', async () => {
    const db = await database();
    const original = uuid();
    const reply = uuid();
    await receive(db, [
      text(original, 'Lunch?'),
      text(reply, 'Sure', { quote: { id: original, author: ALICE, text: 'Lunch?' }, expireTimer: 30 }),
    ]);
    const row = await stored(db, reply);
    expect(messageFeatures(row)).toMatchObject({
      quote: { id: original, author: ALICE, text: 'Lunch?' },
      expireTimer: 30,
      expiresAt: null,
    });
  });

  it('ignores mentions in a direct text: they mean something only in a group', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [text(id, '@Me hi', { mentions: [{ start: 0, length: 3, accountId: OWN }] })]);
    const row = await stored(db, id);
    expect(row.mentions).toBeUndefined();
    expect(messageFeatures(row)).toMatchObject({ mentions: [], mentionsMe: false });
  });
});

describe('reactions', () => {
  it('one per person: changed by a newer one, removed by one without emoji, an older one arriving late changes nothing', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [text(id, 'hi')]);
    await receive(db, [reaction(id, '👍', NOW, OWN)]);
    // The author named must be the message's: a reaction naming another is dropped.
    expect(messageFeatures(await stored(db, id)).reactions).toEqual([]);
    await receive(db, [reaction(id, '👍', NOW)]);
    expect(messageFeatures(await stored(db, id)).reactions).toEqual([{ emoji: '👍', count: 1, accountIds: [ALICE] }]);
    await receive(db, [reaction(id, '❤️', NOW + 10)]);
    expect(messageFeatures(await stored(db, id)).reactions).toEqual([{ emoji: '❤️', count: 1, accountIds: [ALICE] }]);
    await receive(db, [reaction(id, undefined, NOW + 20)]);
    await receive(db, [reaction(id, '😮', NOW + 15)]);
    expect(messageFeatures(await stored(db, id)).reactions).toEqual([]);
  });

  it('from someone outside the conversation is dropped', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [text(id, 'hi')]);
    await receive(db, [reaction(id, '👍')], MALLORY);
    expect((await stored(db, id)).reactions ?? []).toEqual([]);
  });
});

describe('edits', () => {
  it('by the author replace the text and keep the history; a copy or an older edit number changes nothing', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [text(id, 'helo')]);
    await receive(db, [edit(id, 'hello', 1, NOW)]);
    await receive(db, [edit(id, 'hello!', 2, NOW + 5)]);
    await receive(db, [edit(id, 'stale', 1, NOW + 9)]);
    const row = await stored(db, id);
    expect(row.body).toBe('hello!');
    const features = messageFeatures(row);
    expect(features.edited).toBe(true);
    expect(features.edits).toEqual([
      { body: 'helo', at: NOW - 1000 },
      { body: 'hello', at: NOW },
    ]);
    expect((await db.conversations.get(CONVERSATION))?.preview).toBe('hello!');
  });

  it('outside the window, or of a message of ours, are dropped', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [text(id, 'original')]);
    await receive(db, [edit(id, 'too late', 1, NOW - 1000 + EDIT_WINDOW_MS + 1)]);
    expect((await stored(db, id)).body).toBe('original');
    const own: MessageRecord = { ...(await stored(db, id)), direction: 'outgoing', senderAccountId: OWN };
    expect(applyAction(own, ALICE, edit(id, 'not yours', 1), OWN)).toEqual({
      kind: 'dropped',
      reason: 'only the author edits',
    });
  });
});

describe('delete for everyone', () => {
  it('leaves a tombstone without text, quote, edits or reactions; later reactions and edits are dropped', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [text(id, 'oops', { quote: { id: uuid(), author: OWN, text: 'q' } })]);
    await receive(db, [reaction(id, '👍'), edit(id, 'oops!', 1)]);
    await receive(db, [remove(id, NOW + 1)]);
    await receive(db, [reaction(id, '😂', NOW + 2), edit(id, 'back', 2, NOW + 3)]);
    const row = await stored(db, id);
    expect(row.body).toBeNull();
    expect(messageFeatures(row)).toMatchObject({ deleted: true, quote: null, reactions: [], edits: [], edited: false });
    expect((await db.conversations.get(CONVERSATION))?.preview).toBeNull();
    // Nothing of it goes into a backup either.
    expect(messageToRecord(row, NOW)).toBeNull();
  });

  it('by someone else than the author is dropped', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [text(id, 'mine')]);
    await receive(db, [remove(id)], MALLORY);
    expect((await stored(db, id)).body).toBe('mine');
  });
});

describe('out of order', () => {
  it('an edit and a reaction before their message are held and applied when it arrives', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [edit(id, 'fixed', 1), reaction(id, '🎉')]);
    expect(await db.messages.get(id)).toBeUndefined();
    expect(await db.heldActions.count()).toBe(2);
    const result = await receive(db, [text(id, 'fixd')]);
    expect(result.changed.map((message) => message.id)).toEqual([id]);
    const row = await stored(db, id);
    expect(row.body).toBe('fixed');
    expect(messageFeatures(row)).toMatchObject({
      edited: true,
      reactions: [{ emoji: '🎉', count: 1, accountIds: [ALICE] }],
    });
    expect(await db.heldActions.count()).toBe(0);
  });

  it('a reaction to a message deleted before it arrived is dropped, in either order', async () => {
    const db = await database();
    const id = uuid();
    await receive(db, [remove(id, NOW + 1)]);
    await receive(db, [reaction(id, '👍', NOW + 2)]);
    await receive(db, [text(id, 'gone')]);
    const row = await stored(db, id);
    expect(messageFeatures(row)).toMatchObject({ deleted: true, reactions: [] });
    expect(row.body).toBeNull();
  });

  it('a held action survives a restart', async () => {
    const indexedDB = new IDBFactory();
    const dataKey = randomDataKey();
    const first = await database({ indexedDB, dataKey });
    const id = uuid();
    await receive(first, [edit(id, 'after restart', 1)]);
    first.close();
    const second = await database({ indexedDB, dataKey });
    await receive(second, [text(id, 'before')]);
    expect((await stored(second, id)).body).toBe('after restart');
  });
});

describe('disappearing messages', () => {
  it('the newest timer change wins, each applied change leaves a line', async () => {
    const db = await database();
    await receive(db, [text(uuid(), 'hi')]);
    const on = uuid();
    const result = await receive(db, [{ type: 'expire-timer', id: on, sentAt: NOW + 10, seconds: 3600 }]);
    expect(result.timerLines.map((line) => line.id)).toEqual([on]);
    await receive(db, [{ type: 'expire-timer', id: uuid(), sentAt: NOW + 5, seconds: 30 }]);
    const conversation = await db.conversations.get(CONVERSATION);
    expect(conversation?.expireTimer).toBe(3600);
    const lines = (await db.messages.toArray()).filter((message) => message.kind === 'timer-change');
    expect(lines.map((line) => [line.id, line.body, line.state])).toEqual([[on, '3600', 'read']]);
  });

  it("counts a received message's timer from reading, removes it on time, and leaves it out of backups", async () => {
    const db = await database();
    const kept = uuid();
    const timed = uuid();
    await receive(db, [text(kept, 'stays'), text(timed, 'goes', { expireTimer: 30 })]);
    // Unread: not counting yet.
    expect((await removeExpired(db, NOW + 3_600_000)).removed).toEqual([]);
    const readAt = NOW + 60_000;
    const result = await new ReadReceipts(db, { now: () => readAt }).markRead(CONVERSATION, { receipts: false });
    expect(result.timersStarted).toBe(1);
    const row = await stored(db, timed);
    expect(row.expiresAt).toBe(readAt + 30_000);
    // In no backup: the record has no timer, so a restore would keep it.
    expect(messageToRecord(row, readAt)).toBeNull();
    expect(messageToRecord(await stored(db, kept), readAt)).not.toBeNull();

    expect(await removeExpired(db, readAt + 29_999)).toEqual({ removed: [], next: readAt + 30_000 });
    expect(await removeExpired(db, readAt + 30_000)).toEqual({
      removed: [{ conversationId: CONVERSATION, messageId: timed }],
      next: null,
    });
    expect(await db.messages.get(timed)).toBeUndefined();
    expect(await db.expiries.count()).toBe(0);
    expect((await stored(db, kept)).body).toBe('stays');
  });
});

describe('a version-1 client', () => {
  it('stores what it cannot decode as a "needs a newer version" placeholder, not nothing', async () => {
    const db = await database();
    const id = uuid();
    // What a version-1 decoder returns for a reaction, an edit or a reply with a quote (v 2).
    await receive(db, [{ type: 'unsupported', version: 2, contentType: 'text', messageId: id, sentAt: NOW }]);
    const row = await stored(db, id);
    expect(row.kind).toBe('unsupported');
    expect(row.body).toBeNull();
  });
});
