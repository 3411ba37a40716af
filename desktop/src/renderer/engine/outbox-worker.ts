/**
 * Sends what the outbox holds, to each recipient's relay. Works in
 * windows: up to `windowSize` due items are encrypted one after another (the
 * vault's ratchets advance in queue order), all their sends are emitted at
 * once (socket.io keeps their order, and the relay commits them in one batch),
 * then every accepted item is recorded in one transaction. Failures follow
 * send-failures.ts; transient ones back off per item, and an item that keeps
 * failing ends as a failed message the user can retry. A key the relay
 * forged for the recipient fails the item at once, after a notice in the
 * conversation says which relay did it; nothing waits for a review. Every
 * send presents the access key we hold for the recipient (contact-access.ts);
 * one the recipient refuses (ACCESS_DENIED) fails the item at once and marks
 * the contact, and the conversation says to ask for their current code;
 * except while we wait for the profile of someone who wrote first, which
 * brings their key: then it is retried with backoff like a transient failure.
 *
 * Each item goes to the relay its recipient lives on (outbox-delivery.ts):
 * the home relay over the socket, while it is connected; another relay over
 * its unauthenticated HTTP route, always sealed. Another relay found
 * unreachable holds its items until its next probe (relay-reachability.ts),
 * without counting attempts, so they never fail for good while it is merely
 * down, and items for every other relay keep going.
 */
import type { AccountId, OutgoingMessage } from '@parley/crypto-core/wire';
import type { OutgoingContent } from '../../common/vault-api.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { Clock } from './clock.js';
import { contactAccessKey, isBlocked } from './contact-access.js';
import { groupIdOf } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import { describeError } from './errors.js';
import type { GroupSender } from './groups/group-send.js';
import type { EngineLogger } from './logger.js';
import type { Delivered, OutboxDelivery, PreparedSend, RelayOf } from './outbox-delivery.js';
import { NEVER, type OutboxQueue, type OutboxStateChange, type SentItem } from './outbox-queue.js';
import { ownProfileContent } from './own-profile.js';
import type { OutboxGroupTextRecord, OutboxRecord } from './records.js';
import { RelayCallError } from './relay-errors.js';
import { relayUnreachable } from './relay-reachability.js';
import { classifySendFailure, failureSummary } from './send-failures.js';
import type { SessionManager } from './sessions.js';
import { textExtras } from './text-extras.js';
import type { VaultGateway } from './vault-calls.js';

export interface OutboxOptions {
  /** Items encrypted and sent together. */
  readonly windowSize: number;
  /** Counted failures before a message is marked failed. */
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  /** Waits between tries of another relay that cannot be reached (relay-reachability.ts). */
  readonly relayProbe: BackoffOptions;
  /** Seal the sender (the relay does not learn who sent an envelope). */
  readonly sealedSender: boolean;
}

export const DEFAULT_OUTBOX_OPTIONS: OutboxOptions = {
  windowSize: 32,
  maxAttempts: 10,
  backoff: { initialMs: 1000, maxMs: 60_000, multiplier: 2, jitter: 0.3 },
  relayProbe: { initialMs: 2000, maxMs: 5 * 60_000, multiplier: 2, jitter: 0.3 },
  sealedSender: true,
};

/** Even an uncounted retry waits this long, so nothing can spin. */
const MIN_RETRY_MS = 250;
/**
 * Wait of an item for another relay whose send needs a new certificate while
 * the home relay (which issues it) cannot be reached: the home's own outage
 * does not hold that relay's items, so they ask again on this beat.
 */
const CERTIFICATE_WAIT_MS = 5000;

export interface OutboxListener {
  stateChanged(changes: readonly OutboxStateChange[]): void;
  /** The number of queued texts may have changed. */
  queueChanged(): void;
  vaultLocked(): void;
  /** The relay forged the recipient's key (a notice names it; the item fails). */
  forgedKey(accountId: AccountId): Promise<void>;
  /** The recipient refused the access key we hold (the item fails). */
  accessDenied(accountId: AccountId): Promise<void>;
  /** The vault needs a fresh sealed-sender certificate. */
  refreshCertificate(): Promise<void>;
}

/** Points where tests simulate a crash. */
export interface OutboxFaults {
  /** After the relay accepted sends and before they are recorded locally. */
  beforeSendRecorded?(messageIds: readonly string[]): Promise<void> | void;
}

export class OutboxWorker {
  #running = false;
  #active: Promise<void> | null = null;
  #again = false;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly queue: OutboxQueue,
    private readonly db: EngineDatabase,
    private readonly vault: VaultGateway,
    private readonly delivery: OutboxDelivery,
    private readonly sessions: SessionManager,
    private readonly groups: GroupSender,
    private readonly listener: OutboxListener,
    private readonly context: {
      readonly relayUrl: string;
      readonly clock: Clock;
      readonly logger: EngineLogger;
      readonly options: OutboxOptions;
      readonly faults?: OutboxFaults | undefined;
    },
  ) {}

  start(): void {
    this.#running = true;
    this.kick();
  }

  /** Stops scheduling; resolves when the window in progress is done. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#active;
  }

  /** There may be work (an item was queued, the connection came up, a hold was released). */
  kick(): void {
    if (!this.#running) return;
    if (this.#active !== null) {
      this.#again = true;
      return;
    }
    this.#active = this.#drain()
      .catch((error: unknown) => {
        this.context.logger.error('outbox run failed', { error: describeError(error) });
        this.#schedule(this.context.clock.now() + this.context.options.backoff.initialMs);
      })
      .finally(() => {
        this.#active = null;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Resolves when no window is in progress (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.#active !== null) await this.#active;
  }

  async #drain(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    while (this.#running) {
      const now = this.context.clock.now();
      const relayOf = await this.delivery.relayOf(this.db);
      const availableAt = (item: OutboxRecord) =>
        this.delivery.availableAt(relayOf(item.recipient), item.nextAttemptAt, NEVER);
      const due = await this.queue.due(now, this.context.options.windowSize, availableAt);
      if (due.length === 0) {
        this.#schedule(await this.queue.nextDueAt(availableAt));
        return;
      }
      await this.#sendWindow(due, relayOf);
    }
  }

  #schedule(at: number): void {
    if (!this.#running || at >= NEVER) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    const delay = Math.max(0, at - this.context.clock.now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.kick();
    }, delay);
  }

  async #sendWindow(items: readonly OutboxRecord[], relayOf: RelayOf): Promise<void> {
    const repaired = new Set<AccountId>();
    const prepared: PreparedSend[] = [];
    const groupTexts: OutboxGroupTextRecord[] = [];
    for (const item of items) {
      const relayUrl = relayOf(item.recipient);
      // Its relay was found down (or the connection dropped) earlier in this window: not tried again now.
      if (this.delivery.availableAt(relayUrl, item.nextAttemptAt, NEVER) > this.context.clock.now()) continue;
      if (item.kind === 'group-text') {
        groupTexts.push(item);
        continue;
      }
      try {
        const request = await this.#prepare(item, relayUrl);
        if (request === null) {
          if (item.seq !== undefined) await this.db.outbox.delete(item.seq);
          this.listener.queueChanged();
        } else {
          prepared.push({ item, request, relayUrl });
        }
      } catch (error) {
        await this.#failed(item, relayUrl, error, repaired);
      }
    }
    if (prepared.length > 0) await this.delivery.deliver(prepared, (group) => this.#settle(group, repaired));
    // After the window's 1:1 sends: the sender keys among them are recorded before a group text looks.
    for (const item of groupTexts) await this.#sendGroupText(item, relayOf, repaired);
  }

  /** A group text: one upload per relay (groups/group-send.ts), after our sender key reached every member. */
  async #sendGroupText(item: OutboxGroupTextRecord, relayOf: RelayOf, repaired: Set<AccountId>): Promise<void> {
    try {
      const outcome = await this.groups.send(item, relayOf);
      switch (outcome.kind) {
        case 'nothing':
          if (item.seq !== undefined) await this.db.outbox.delete(item.seq);
          this.listener.queueChanged();
          return;
        case 'distributing':
          // The sender-key items go in the next window; the text follows them.
          await this.#retry(item, 'sender keys on their way', outcome.requeued, outcome.requeued ? null : 0);
          return;
        case 'failed':
          await this.#failed(item, outcome.relayUrl, outcome.error, repaired);
          return;
        case 'sent': {
          const changes = await this.queue.recordGroupSent(item, outcome.serverTimestamp, outcome.recipients);
          if (changes.length > 0) this.listener.stateChanged(changes);
          this.listener.queueChanged();
          return;
        }
      }
    } catch (error) {
      await this.#failed(item, this.delivery.homeUrl, error, repaired);
    }
  }

  /** One relay's outcomes: accepted items recorded in one transaction, the others retried, waiting or failed. */
  async #settle(group: readonly Delivered[], repaired: Set<AccountId>): Promise<void> {
    const sent: SentItem[] = [];
    for (const { entry, outcome } of group) {
      if (outcome.kind === 'sent') sent.push({ item: entry.item, serverTimestamp: outcome.serverTimestamp });
      else if (outcome.kind === 'relay-down') await this.#awaitRelay(entry.item, outcome.at, outcome.error);
      else await this.#failed(entry.item, entry.relayUrl, outcome.error, repaired);
    }
    if (sent.length === 0) return;
    await this.context.faults?.beforeSendRecorded?.(
      sent.flatMap(({ item }) => (item.kind === 'text' ? [item.messageId] : [])),
    );
    // Recorded even while stopping: the database closes only after this window.
    const changes = await this.queue.recordSent(sent);
    if (changes.length > 0) this.listener.stateChanged(changes);
    this.listener.queueChanged();
  }

  /** The send request for an item, or null when there is nothing to send any more. */
  async #prepare(item: OutboxRecord, relayUrl: string): Promise<PreparedSend['request'] | null> {
    // Nothing goes to a blocked account (what was queued before the block is dropped).
    if (isBlocked(await this.db.contacts.get(item.recipient))) return null;
    const content = await this.#content(item);
    if (content === null) return null;
    // Another relay takes sealed sends only: it must not learn who sends.
    const sealed = this.context.options.sealedSender || !this.delivery.isHome(relayUrl);
    let messages = await this.#encrypt(item.recipient, content, sealed);
    if (messages.length === 0) {
      // No usable session (never started, or every device gone): start sessions from fresh bundles.
      await this.sessions.establish(item.recipient);
      messages = await this.#encrypt(item.recipient, content, sealed);
    }
    if (messages.length === 0) throw new RelayCallError('UNKNOWN_ACCOUNT', 'the recipient has no devices');
    const accessKey = await contactAccessKey(this.db, item.recipient);
    return { recipient: item.recipient, messages, ephemeral: false, ...(accessKey === null ? {} : { accessKey }) };
  }

  /** Sealed with our home relay's certificate (`relayUrl`), wherever the recipient lives. */
  async #encrypt(recipient: AccountId, content: OutgoingContent, sealed: boolean): Promise<OutgoingMessage[]> {
    const { messages } = await this.vault.call('encrypt', {
      recipient,
      content,
      sealed,
      relayUrl: this.context.relayUrl,
    });
    return this.sessions.withoutGoneDevices(recipient, messages);
  }

  async #content(item: OutboxRecord): Promise<OutgoingContent | null> {
    if (item.kind === 'receipt') {
      return {
        type: 'receipt',
        kind: item.receiptKind,
        messageIds: [...item.messageIds],
        sentAt: this.context.clock.now(),
      };
    }
    if (item.kind === 'session-reset') return { type: 'session-reset', id: item.resetId, sentAt: item.createdAt };
    if (item.kind === 'profile') return ownProfileContent(this.db, this.context.relayUrl);
    if (item.kind === 'group' || item.kind === 'action') return item.content;
    if (item.kind === 'sender-key') {
      return { type: 'sender-key', groupId: item.groupId, distributionId: item.distributionId };
    }
    if (item.kind === 'sender-key-request') {
      return { type: 'sender-key-request', groupId: item.groupId, distributionId: item.distributionId };
    }
    // Group texts go by GroupSender, never one-to-one.
    if (item.kind === 'group-text') return null;
    const message = await this.db.messages.get(item.messageId);
    // Gone, or already proved delivered by a receipt: nothing left to send.
    if (message === undefined || message.body === null) return null;
    const sendable =
      message.state === 'sending' || message.state === 'failed' || (item.resend === true && message.state === 'sent');
    if (!sendable) return null;
    // A group text here is one re-sent to a member that lacked our sender key (groups/sender-key-repair.ts).
    const groupId = groupIdOf(message.conversationId);
    return {
      type: 'text',
      id: message.id,
      sentAt: message.sentAt,
      body: message.body,
      ...textExtras(message),
      ...(groupId === null ? {} : { groupId }),
    };
  }

  async #failed(
    item: OutboxRecord,
    relayUrl: string,
    error: unknown,
    repaired: Set<AccountId>,
    repairing = false,
  ): Promise<void> {
    // Another relay not answering (a bundle fetch while preparing): wait for it, like its sends.
    const downUntil = this.delivery.downAt(relayUrl, error);
    if (downUntil !== null) {
      await this.#awaitRelay(item, downUntil, error);
      return;
    }
    const action = classifySendFailure(error);
    const summary = failureSummary(error);
    this.context.logger.info('send failed', {
      kind: item.kind,
      action: action.kind,
      attempts: item.attempts,
      error: summary,
    });
    switch (action.kind) {
      case 'vault-locked':
        this.listener.vaultLocked();
        return;
      case 'forged-key':
        await this.listener.forgedKey(item.recipient);
        await this.#giveUp(item, summary);
        return;
      case 'access-denied':
        if (item.kind === 'group-text') {
          // A multi-recipient refusal names the member whose key was refused.
          const refused = RelayCallError.is(error) ? error.relayError?.recipient : undefined;
          if (refused !== undefined) await this.listener.accessDenied(refused);
          await this.#giveUp(item, summary);
          return;
        }
        if (await this.#awaitingProfile(item.recipient)) {
          // Their profile (with the key) is on its way: it can arrive after
          // their first texts when it had to be retried. Retry, counted, so
          // the send carries the key once it came; give up only if it never does.
          await this.#retry(item, summary, true, null);
          return;
        }
        await this.listener.accessDenied(item.recipient);
        await this.#giveUp(item, summary);
        return;
      case 'fail':
        await this.#giveUp(item, summary);
        return;
      case 'repair-devices':
      case 'start-sessions':
      case 'refresh-certificate': {
        if (repairing) {
          await this.#retry(item, summary, true, null);
          return;
        }
        try {
          await this.#repair(item.recipient, action, repaired);
        } catch (repairError) {
          // A certificate comes from the home relay, not the recipient's: its failure says nothing of theirs.
          const from = action.kind === 'refresh-certificate' ? this.delivery.homeUrl : relayUrl;
          if (from !== relayUrl && relayUnreachable(repairError)) {
            // The home relay is down while this item's relay is not: ask again soon, uncounted.
            await this.#retry(item, failureSummary(repairError), false, CERTIFICATE_WAIT_MS);
            return;
          }
          await this.#failed(item, from, repairError, repaired, true);
          return;
        }
        await this.#retry(item, summary, true, 0);
        return;
      }
      case 'retry':
        await this.#retry(item, summary, action.counts, action.afterMs);
        return;
    }
  }

  /** Someone who wrote to us first and whose profile (their contact key) has not come yet. */
  async #awaitingProfile(recipient: AccountId): Promise<boolean> {
    const contact = await this.db.contacts.get(recipient);
    return contact?.origin === 'incoming' && (contact.accessKey ?? null) === null;
  }

  /** Once per recipient and window: several items to one recipient fail for the same reason. */
  async #repair(
    recipient: AccountId,
    action:
      | { kind: 'repair-devices'; missing: readonly number[]; gone: readonly number[] }
      | { kind: 'start-sessions' }
      | { kind: 'refresh-certificate' },
    repaired: Set<AccountId>,
  ): Promise<void> {
    if (action.kind === 'refresh-certificate') {
      await this.listener.refreshCertificate();
      return;
    }
    if (repaired.has(recipient)) return;
    repaired.add(recipient);
    if (action.kind === 'start-sessions') {
      await this.sessions.establish(recipient);
      return;
    }
    this.sessions.markGone(recipient, action.gone);
    if (action.missing.length > 0) await this.sessions.establish(recipient, action.missing);
  }

  /** The recipient's relay is down: the item waits for its probe, its attempts untouched. */
  async #awaitRelay(item: OutboxRecord, at: number, error: unknown): Promise<void> {
    const summary = failureSummary(error);
    this.context.logger.info('relay unreachable: send waits', { kind: item.kind, error: summary });
    await this.queue.reschedule(item, item.attempts, Math.max(at, this.context.clock.now() + MIN_RETRY_MS), summary);
  }

  async #retry(item: OutboxRecord, summary: string, counts: boolean, afterMs: number | null): Promise<void> {
    const attempts = item.attempts + (counts ? 1 : 0);
    if (attempts >= this.context.options.maxAttempts) {
      await this.#giveUp(item, summary);
      return;
    }
    const delay = afterMs ?? backoffDelay(this.context.options.backoff, Math.max(0, attempts - 1));
    const at = this.context.clock.now() + Math.max(delay, MIN_RETRY_MS);
    await this.queue.reschedule(item, attempts, at, summary);
  }

  async #giveUp(item: OutboxRecord, summary: string): Promise<void> {
    this.context.logger.warn('send failed for good', { kind: item.kind, error: summary });
    const change = await this.queue.fail(item);
    if (change !== null) this.listener.stateChanged([change]);
    this.listener.queueChanged();
  }
}
