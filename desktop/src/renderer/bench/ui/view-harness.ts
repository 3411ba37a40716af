/**
 * What the chat view's browser test (desktop/test/ui/chat/chat-view-browser.test.ts)
 * needs beyond the benchmark: messages written straight into the
 * conversation as the receive path or the composer would store them, the
 * peer "typing", and a record of what the view asked for (contact dialog,
 * links, retries) instead of opening windows.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { messageSortKey } from '../../engine/conversation-ids.js';
import type { Engine } from '../../engine/engine.js';
import type { Observable } from '../../engine/observable.js';
import type { MessageRecord, MessageState } from '../../engine/records.js';
import type { TypingState } from '../../engine/typing.js';
import type { Platform } from '../../platform/platform.js';
import { BENCH_PEER } from './seed-history.js';

export interface ViewRecord {
  contactOpened: number;
  readonly openedLinks: string[];
  readonly retried: string[];
}

export interface NewMessage {
  readonly text: string | null;
  readonly direction: 'incoming' | 'outgoing';
  readonly state: MessageState;
  readonly kind?: MessageRecord['kind'];
}

/** Stores one message as the newest of the conversation; returns its id. */
export async function addMessage(
  engine: Engine,
  conversationId: string,
  ownAccount: AccountId,
  message: NewMessage,
): Promise<string> {
  const id = crypto.randomUUID();
  const sentAt = Date.now();
  await engine.database.messages.add({
    id,
    conversationId,
    kind: message.kind ?? 'text',
    direction: message.direction,
    senderAccountId: message.direction === 'outgoing' ? ownAccount : BENCH_PEER,
    sentAt,
    receivedAt: message.direction === 'outgoing' ? null : sentAt,
    sortKey: messageSortKey(sentAt, id),
    state: message.state,
    envelopeId: null,
    serverTimestamp: null,
    body: message.text,
  });
  return id;
}

/** Marks the newest `count` incoming messages unread (delivered), as if they had just arrived. */
export async function markNewestUnread(engine: Engine, conversationId: string, count: number): Promise<void> {
  const db = engine.database;
  const newest = await db.messages
    .where('[conversationId+position]')
    .between([conversationId, ''], [conversationId, '\uffff'])
    .reverse()
    .filter((message) => message.direction === 'incoming' && message.kind === 'text')
    .limit(count)
    .primaryKeys();
  await db.messages.bulkUpdate(newest.map((key) => ({ key, changes: { state: 'delivered' } })));
  await db.conversations.update(conversationId, { unreadCount: newest.length });
}

/** Shows the peer typing (or not), through the engine's own typing store. */
export function setPeerTyping(engine: Engine, conversationId: string, typing: boolean): void {
  const store = engine.typing as Observable<TypingState>;
  store.set(typing ? new Map([[conversationId, [BENCH_PEER]]]) : new Map());
}

/** The platform, with links recorded instead of opened. */
export function recordingPlatform(base: Platform, record: ViewRecord): Platform {
  return {
    kind: base.kind,
    notificationPermission: () => base.notificationPermission(),
    requestNotificationPermission: () => base.requestNotificationPermission(),
    notify: (notification) => base.notify(notification),
    onNotificationClick: (listener) => base.onNotificationClick(listener),
    setUnreadBadge: (count) => base.setUnreadBadge(count),
    openExternal: (url) => {
      record.openedLinks.push(url);
    },
    allowRelay: (url) => base.allowRelay(url),
    checkRelay: (url) => base.checkRelay(url),
  };
}

/** Records the retries the view asks for, then lets the engine do them. */
export function recordRetries(engine: Engine, record: ViewRecord): void {
  const retry = engine.retry.bind(engine);
  engine.retry = (messageId: string) => {
    record.retried.push(messageId);
    return retry(messageId);
  };
}
