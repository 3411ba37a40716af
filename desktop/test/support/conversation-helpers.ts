/** Small steps the engine tests repeat: introduce two clients, wait for messages and states. */

import type { MessageView } from '../../src/renderer/engine/queries.js';
import type { MessageState } from '../../src/renderer/engine/records.js';
import type { TestClient } from './test-client.js';
import { waitFor } from './wait.js';

export function directId(peer: TestClient): string {
  return `direct:${peer.accountId}`;
}

/** `from` adds `to` by contact code; returns the conversation id on `from`'s side. */
export async function introduce(from: TestClient, to: TestClient, name?: string): Promise<string> {
  const { conversationId } = await from.engine.addContact(to.contactCode, name);
  return conversationId;
}

/** Waits until `client` holds at least `count` text messages in the conversation; returns them all. */
export function waitForTexts(client: TestClient, conversationId: string, count: number, timeoutMs = 30_000) {
  return waitFor(
    `${client.name}: ${count} messages in ${conversationId}`,
    async () => {
      const texts = (await client.allMessages(conversationId)).filter((m) => m.kind === 'text');
      return texts.length >= count ? texts : null;
    },
    timeoutMs,
    50,
  );
}

/** Waits until every given own message of `client` is in `state` (or further, when `orFurther`). */
export function waitForStates(
  client: TestClient,
  messageIds: readonly string[],
  states: readonly MessageState[],
  timeoutMs = 30_000,
): Promise<true> {
  return waitFor(
    `${client.name}: ${messageIds.length} messages in ${states.join('/')}`,
    async () => {
      const rows = await client.engine.database.messages.bulkGet([...messageIds]);
      return rows.every((row) => row !== undefined && states.includes(row.state)) ? true : null;
    },
    timeoutMs,
    50,
  );
}

export function bodies(messages: readonly MessageView[]): (string | null)[] {
  return messages.map((message) => message.body);
}

/** Fails the test when any message id appears twice. */
export function assertUnique(messages: readonly MessageView[]): void {
  const ids = new Set(messages.map((m) => m.id));
  if (ids.size !== messages.length) throw new Error(`duplicate messages: ${messages.length - ids.size}`);
}
