/**
 * Desktop notifications for new messages, and the unread badge. A message
 * notifies unless the user is looking at its conversation (open, page
 * visible, window focused, no dialog or settings panel over it); clicking a
 * notification opens the conversation. A message request notifies with a
 * request notice only (who, not what); a blocked account's messages never
 * arrive here (the engine drops them). A muted conversation notifies nothing
 * and its unread messages leave the badge (the engine's unreadTotal).
 */
import { type Engine, isMuted, liveQuery } from '../../engine/index.js';
import type { Platform } from '../../platform/platform.js';
import { modals } from '../common/modal-count.svelte.js';
import { notificationText, requestNotificationText, shouldNotify } from './notification-rules.js';
import type { Preferences } from './preferences.svelte.js';
import type { Workspace } from './workspace.svelte.js';

/** The document's view of whether the user is looking (tests pass a fake). */
export interface Attention {
  pageVisible(): boolean;
  windowFocused(): boolean;
  /** A modal dialog (the settings panel too) is open over the page. */
  covered(): boolean;
}

export const documentAttention: Attention = {
  pageVisible: () => document.visibilityState === 'visible',
  windowFocused: () => document.hasFocus(),
  covered: () => modals.open > 0,
};

export class MessageNotifier {
  readonly #stops: (() => void)[] = [];
  readonly #engine: Engine;
  readonly #platform: Platform;
  readonly #preferences: Preferences;
  readonly #workspace: Workspace;
  readonly #attention: Attention;

  constructor(
    engine: Engine,
    platform: Platform,
    preferences: Preferences,
    workspace: Workspace,
    attention: Attention = documentAttention,
  ) {
    this.#engine = engine;
    this.#platform = platform;
    this.#preferences = preferences;
    this.#workspace = workspace;
    this.#attention = attention;
    this.#stops.push(
      engine.on('message', ({ conversationId, mentionsMe }) => void this.#onMessage(conversationId, mentionsMe)),
    );
    this.#stops.push(platform.onNotificationClick((conversationId) => workspace.openConversation(conversationId)));
    const badge = liveQuery(() => engine.queries.unreadTotal()).subscribe({
      next: (total) => platform.setUnreadBadge(total),
      error: (error: unknown) => console.warn('[ui] the unread total could not be read', error),
    });
    this.#stops.push(() => badge.unsubscribe());
  }

  async #onMessage(conversationId: string, mentionsMe: boolean): Promise<void> {
    const decision = {
      enabled: this.#preferences.notifications,
      mentionsMe,
      messageConversationId: conversationId,
      openConversationId: this.#workspace.openConversationId,
      pageVisible: this.#attention.pageVisible(),
      windowFocused: this.#attention.windowFocused(),
      covered: this.#attention.covered(),
    };
    // Nothing to look up when it would not notify anyway.
    if (!shouldNotify({ ...decision, muted: false })) return;
    try {
      const conversations = await this.#engine.queries.conversations();
      const conversation = conversations.find((candidate) => candidate.id === conversationId);
      if (conversation === undefined) {
        const request = (await this.#engine.queries.requests()).find((candidate) => candidate.id === conversationId);
        if (request !== undefined) this.#platform.notify({ ...requestNotificationText(request.name), conversationId });
        return;
      }
      if (!shouldNotify({ ...decision, muted: isMuted(conversation.mutedUntil, Date.now()) })) return;
      const text = notificationText(conversation.name, conversation.preview, this.#preferences.notificationPreviews);
      this.#platform.notify({ ...text, conversationId });
    } catch (error) {
      console.warn('[ui] a notification could not be prepared', error);
    }
  }

  dispose(): void {
    for (const stop of this.#stops.splice(0)) stop();
    this.#platform.setUnreadBadge(0);
  }
}
