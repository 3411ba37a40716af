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
 *
 * In a group (docs/protocol.md §6 `typing` with `groupId`), one throttled
 * indicator goes to every other joined member, one-to-one like the direct
 * one (sealed, ephemeral, to each member's relay with the key the contact
 * or the group holds), while we are a joined member; members who are blocked,
 * refuse our key or whose relay is down are skipped. The same privacy
 * setting governs it.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import { accessRefused, contactReach, isAcceptedContact, isBlocked } from './contact-access.js';
import type { EngineDatabase } from './database.js';
import { describeError, EngineError, EngineErrorCode } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { OutboxDelivery } from './outbox-delivery.js';
import type { SessionManager } from './sessions.js';
import type { TypingThrottle } from './typing.js';
import { type VaultGateway, vaultErrorCode } from './vault-calls.js';

export class TypingNotifier {
  constructor(
    private readonly db: EngineDatabase,
    private readonly vault: VaultGateway,
    private readonly delivery: OutboxDelivery,
    private readonly sessions: SessionManager,
    private readonly throttle: TypingThrottle,
    private readonly context: {
      readonly relayUrl: string;
      readonly self: AccountId;
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
    if (conversation.kind === 'group') return this.#groupTyping(conversationId, conversation.peerId, typing);
    const recipient = conversation.peerId;
    const contact = await this.db.contacts.get(recipient);
    const relayUrl = contact?.relayUrl ?? this.context.relayUrl;
    // Typing is worth nothing later: offline, nothing is sent (or remembered as sent).
    if (!this.delivery.reachableNow(relayUrl)) return;
    const action = this.throttle.next(conversationId, typing);
    if (action === null) return;
    // The contact refuses the key we hold: typing would only be refused too.
    if (accessRefused(contact) || !isAcceptedContact(contact)) return;
    await this.#send(recipient, relayUrl, contact?.accessKey ?? null, { action });
  }

  /** Typing in a group: to every other joined member whose relay we can reach now. */
  async #groupTyping(conversationId: string, groupId: string, typing: boolean): Promise<void> {
    const group = await this.db.groups.get(groupId);
    if (group?.membership !== 'joined') return;
    const members = (group.state?.members ?? []).filter(
      (member) => member.status === 'joined' && member.accountId !== this.context.self,
    );
    const reachable: { accountId: AccountId; relayUrl: string; accessKey: string | null }[] = [];
    for (const { accountId } of members) {
      const contact = await this.db.contacts.get(accountId);
      if (isBlocked(contact) || accessRefused(contact)) continue;
      const reach = await contactReach(this.db, accountId, this.context.relayUrl);
      if (this.delivery.reachableNow(reach.relayUrl)) reachable.push({ accountId, ...reach });
    }
    if (reachable.length === 0) return;
    const action = this.throttle.next(conversationId, typing);
    if (action === null) return;
    await Promise.all(
      reachable.map((member) => this.#send(member.accountId, member.relayUrl, member.accessKey, { action, groupId })),
    );
  }

  /** One sealed, ephemeral typing content; best effort (a failure is logged and forgotten). */
  async #send(
    recipient: AccountId,
    relayUrl: string,
    accessKey: string | null,
    typing: { readonly action: 'started' | 'stopped'; readonly groupId?: string },
  ): Promise<void> {
    const encrypt = () =>
      this.vault.call('encrypt', {
        recipient,
        content: { type: 'typing', sentAt: this.context.clock.now(), ...typing },
        sealed: true,
        relayUrl: this.context.relayUrl,
      });
    try {
      // A group member we never wrote to one-to-one: sessions from its bundles first.
      const { messages } = await encrypt().catch(async (error: unknown) => {
        if (typing.groupId === undefined || vaultErrorCode(error) !== 'NO_SESSION') throw error;
        await this.sessions.establish(recipient);
        return encrypt();
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
