/**
 * The conversation list as the sidebar shows it: every conversation from the
 * engine (a liveQuery, so new messages, names and unread counts arrive by
 * themselves), newest activity first, narrowed by the filter text.
 */
import { type ConversationView, type Engine, liveQuery } from '../../engine/index.js';
import { filterConversations } from './conversation-filter.js';

export class ConversationListState {
  all = $state<readonly ConversationView[]>([]);
  query = $state('');
  /** The first answer arrived (so "no conversations yet" is true, not just early). */
  loaded = $state(false);
  /** The list could not be read (logged); shown as one sentence. */
  failed = $state(false);
  readonly #subscription: { unsubscribe(): void };

  constructor(engine: Engine) {
    this.#subscription = liveQuery(() => engine.queries.conversations()).subscribe({
      next: (conversations) => {
        this.all = conversations;
        this.loaded = true;
        this.failed = false;
      },
      error: (error: unknown) => {
        console.warn('[ui] the conversation list could not be read', error);
        this.failed = true;
      },
    });
  }

  get visible(): ConversationView[] {
    return filterConversations(this.all, this.query);
  }

  find(conversationId: string): ConversationView | undefined {
    return this.all.find((conversation) => conversation.id === conversationId);
  }

  dispose(): void {
    this.#subscription.unsubscribe();
  }
}
