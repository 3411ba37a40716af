/**
 * The conversation list as the sidebar shows it: the chats and, apart, the
 * message requests (two liveQueries, so new messages, names and unread
 * counts arrive by themselves), newest activity first, narrowed by the
 * filter text. `showing` says which of the two the sidebar lists.
 */
import { type ConversationView, type Engine, liveQuery } from '../../engine/index.js';
import { filterConversations } from './conversation-filter.js';

export class ConversationListState {
  all = $state<readonly ConversationView[]>([]);
  /** Message requests: people who wrote first and are not accepted yet. */
  requests = $state<readonly ConversationView[]>([]);
  /** The sidebar lists the chats, or the message requests. */
  showing = $state<'chats' | 'requests'>('chats');
  query = $state('');
  /** The first answer arrived (so "no conversations yet" is true, not just early). */
  loaded = $state(false);
  /** The list could not be read (logged); shown as one sentence. */
  failed = $state(false);
  readonly #subscriptions: { unsubscribe(): void }[];

  constructor(engine: Engine) {
    const failed = (error: unknown) => {
      console.warn('[ui] the conversation list could not be read', error);
      this.failed = true;
    };
    this.#subscriptions = [
      liveQuery(() => engine.queries.conversations()).subscribe({
        next: (conversations) => {
          this.all = conversations;
          this.loaded = true;
          this.failed = false;
        },
        error: failed,
      }),
      liveQuery(() => engine.queries.requests()).subscribe({
        next: (requests) => {
          this.requests = requests;
          // The last request was answered: back to the chats.
          if (requests.length === 0) this.showing = 'chats';
        },
        error: failed,
      }),
    ];
  }

  get visible(): ConversationView[] {
    return filterConversations(this.showing === 'requests' ? this.requests : this.all, this.query);
  }

  find(conversationId: string): ConversationView | undefined {
    return (
      this.all.find((conversation) => conversation.id === conversationId) ??
      this.requests.find((conversation) => conversation.id === conversationId)
    );
  }

  dispose(): void {
    for (const subscription of this.#subscriptions) subscription.unsubscribe();
  }
}
