/**
 * Telling a peer that the user is typing: throttled (typing.ts), sealed,
 * ephemeral (the relay hands it only to devices online now and never stores
 * it), best effort: never queued, never retried, skipped while offline, and
 * never sent while the user turned typing indicators off. It presents the
 * access key we hold for the contact, and is not tried while the contact
 * refuses that key, nor to a message request or a blocked account. It goes
 * to the contact's relay like the outbox's sends (outbox-delivery.ts): to
 * another relay it is an unauthenticated sealed POST, which that relay takes
 * ephemeral as well, and it is skipped while that relay is known to be down.
 */
import type { Clock } from './clock.js';
import { accessRefused, isAcceptedContact } from './contact-access.js';
import type { EngineDatabase } from './database.js';
import { describeError, EngineError, EngineErrorCode } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { OutboxDelivery } from './outbox-delivery.js';
import type { SessionManager } from './sessions.js';
import type { TypingThrottle } from './typing.js';
import type { VaultGateway } from './vault-calls.js';

export class TypingNotifier {
  constructor(
    private readonly db: EngineDatabase,
    private readonly vault: VaultGateway,
    private readonly delivery: OutboxDelivery,
    private readonly sessions: SessionManager,
    private readonly throttle: TypingThrottle,
    private readonly context: {
      readonly relayUrl: string;
      readonly clock: Clock;
      readonly logger: EngineLogger;
      /** The user's choice (privacy-settings.ts). */
      readonly enabled: () => boolean;
    },
  ) {}

  async setTyping(conversationId: string, typing: boolean): Promise<void> {
    if (!this.context.enabled()) return;
    const conversation = await this.db.conversations.get(conversationId);
    if (conversation === undefined) throw new EngineError(EngineErrorCode.UnknownConversation, 'no such conversation');
    if (conversation.kind !== 'direct') return;
    const recipient = conversation.peerId;
    const contact = await this.db.contacts.get(recipient);
    const relayUrl = contact?.relayUrl ?? this.context.relayUrl;
    // Typing is worth nothing later: offline, nothing is sent (or remembered as sent).
    if (!this.delivery.reachableNow(relayUrl)) return;
    const action = this.throttle.next(conversationId, typing);
    if (action === null) return;
    // The contact refuses the key we hold: typing would only be refused too.
    if (accessRefused(contact) || !isAcceptedContact(contact)) return;
    const accessKey = contact?.accessKey ?? null;
    try {
      const { messages } = await this.vault.call('encrypt', {
        recipient,
        content: { type: 'typing', action, sentAt: this.context.clock.now() },
        sealed: true,
        relayUrl: this.context.relayUrl,
      });
      const addressed = this.sessions.withoutGoneDevices(recipient, messages);
      if (addressed.length === 0) return;
      await this.delivery.sendOnce(relayUrl, {
        recipient,
        messages: addressed,
        ephemeral: true,
        ...(accessKey === null ? {} : { accessKey }),
      });
    } catch (error) {
      this.context.logger.debug('typing notification not sent', { error: describeError(error) });
    }
  }

  /** A message went out: the receiver clears the indicator itself. */
  messageSent(conversationId: string): void {
    this.throttle.messageSent(conversationId);
  }
}
