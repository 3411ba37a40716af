/**
 * Session repair, Signal's way: the side that cannot decrypt asks for a fresh
 * session, the other side re-sends what was never delivered.
 *
 * - Repairing side: an envelope from a known contact failed for want of a
 *   usable session (receive-plan.ts `sessionRepairs`: NO_SESSION,
 *   INVALID_MESSAGE, INVALID_KEY_ID, typically after a restore, whose device
 *   has no old sessions). The envelope is acked and dropped as before; then,
 *   at most once per contact per REPAIR_INTERVAL_MS, fresh bundles are
 *   fetched, new sessions started (replacing whatever the vault had) and a
 *   `session-reset` is queued to the contact through the outbox. A restore
 *   queues one to every contact (backup-restore.ts); those count as repairs.
 * - Peer side: a `session-reset` from a contact re-queues our own direct
 *   messages to it that the relay accepted but that were never delivered
 *   (state `sent`) from the last RESEND_WINDOW_MS, in order, with the same
 *   message ids (the receiver drops copies it has by id, and its delivery
 *   receipt moves them on). The reset itself is never shown.
 *
 * The decisions are the pure functions below; the class does the I/O, one
 * job at a time, so repairs and re-sends keep their order.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import { directConversationId } from './conversation-ids.js';
import type { EngineDatabase } from './database.js';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { MessageRecord, OutboxSessionResetRecord, OutboxTextRecord } from './records.js';
import type { SessionManager } from './sessions.js';

/** A contact is repaired at most once in this long (its in-flight envelopes all fail the same way). */
export const REPAIR_INTERVAL_MS = 5 * 60_000;
/** Own undelivered messages older than this are not re-sent on a reset. */
export const RESEND_WINDOW_MS = 30 * 24 * 60 * 60_000;

/**
 * Which candidates to repair now: known contacts, each once, not repaired
 * within `intervalMs` (a contact absent from `lastRepairAt` never was).
 */
export function chooseRepairs(
  candidates: readonly AccountId[],
  knownContacts: ReadonlySet<string>,
  lastRepairAt: ReadonlyMap<AccountId, number>,
  now: number,
  intervalMs: number = REPAIR_INTERVAL_MS,
): AccountId[] {
  const chosen: AccountId[] = [];
  for (const accountId of new Set(candidates)) {
    if (!knownContacts.has(accountId)) continue;
    const last = lastRepairAt.get(accountId);
    if (last !== undefined && now - last < intervalMs) continue;
    chosen.push(accountId);
  }
  return chosen;
}

/**
 * What a session-reset from a contact makes us send again: own texts the
 * relay accepted but nobody confirmed (`sent`), written within `windowMs`,
 * oldest first. Delivered, read, failed and still-sending ones are left alone
 * (the last two are the outbox's or the user's business).
 */
export function messagesToResend(
  messages: readonly MessageRecord[],
  now: number,
  windowMs: number = RESEND_WINDOW_MS,
): MessageRecord[] {
  return messages
    .filter(
      (message) =>
        message.direction === 'outgoing' &&
        message.kind === 'text' &&
        message.state === 'sent' &&
        message.sentAt >= now - windowMs,
    )
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
}

/** The fields every new outbox item to `recipient`'s direct conversation starts with: due now, untried. */
export function newDirectItem(recipient: AccountId, now: number) {
  return {
    recipient,
    conversationId: directConversationId(recipient),
    attempts: 0,
    nextAttemptAt: now,
    lastError: null,
    createdAt: now,
  };
}

/** A queued session-reset for `recipient` (also what backup-restore.ts queues for every contact). */
export function sessionResetItem(recipient: AccountId, resetId: string, now: number): OutboxSessionResetRecord {
  return { kind: 'session-reset', resetId, ...newDirectItem(recipient, now) };
}

export class SessionRepair {
  readonly #lastRepairAt = new Map<AccountId, number>();
  #work: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: EngineDatabase,
    private readonly sessions: SessionManager,
    private readonly context: {
      readonly clock: Clock;
      readonly logger: EngineLogger;
      readonly newId: () => string;
      /** The outbox has new items. */
      readonly queued: () => void;
      readonly intervalMs?: number;
    },
  ) {}

  /** Resets already queued (a restore's) count as repairs, so the first failures do not start a second session. */
  seed(): Promise<void> {
    return this.#enqueue(async () => {
      const now = this.context.clock.now();
      const queued = await this.db.outbox.filter((item) => item.kind === 'session-reset').toArray();
      for (const item of queued) this.#lastRepairAt.set(item.recipient, now);
    });
  }

  /** Senders whose envelopes failed for want of a session (after their commit). */
  repair(candidates: readonly AccountId[]): void {
    if (candidates.length === 0) return;
    void this.#enqueue(async () => {
      const contacts = await this.db.contacts.bulkGet([...new Set(candidates)]);
      const known = new Set(contacts.flatMap((contact) => (contact === undefined ? [] : [contact.accountId])));
      const now = this.context.clock.now();
      for (const accountId of chooseRepairs(candidates, known, this.#lastRepairAt, now, this.context.intervalMs)) {
        this.#lastRepairAt.set(accountId, now);
        await this.#repairOne(accountId);
      }
    });
  }

  /** Contacts that sent a session-reset: their undelivered messages go again. */
  resend(senders: readonly AccountId[]): void {
    if (senders.length === 0) return;
    void this.#enqueue(async () => {
      for (const accountId of new Set(senders)) {
        if ((await this.db.contacts.get(accountId)) === undefined) continue;
        const count = await this.#resendTo(accountId);
        this.context.logger.info('session reset received', { accountId, resent: count });
      }
      this.context.queued();
    });
  }

  /** Resolves when every repair and re-send asked for so far is done (tests, stop). */
  idle(): Promise<void> {
    return this.#work;
  }

  async #repairOne(accountId: AccountId): Promise<void> {
    try {
      await this.sessions.establish(accountId);
    } catch (error) {
      // Without fresh sessions the reset still goes: the outbox starts sessions when it finds none.
      this.context.logger.warn('session repair: fetching bundles failed', { error: describeError(error) });
    }
    const now = this.context.clock.now();
    await this.db.outbox.add(sessionResetItem(accountId, this.context.newId(), now));
    this.context.logger.info('session repair queued', { accountId });
    this.context.queued();
  }

  async #resendTo(accountId: AccountId): Promise<number> {
    const conversationId = directConversationId(accountId);
    return this.db.dexie.transaction('rw', [this.db.messages, this.db.outbox], async () => {
      const sent = await this.db.messages
        .where('[conversationId+direction+state]')
        .equals([conversationId, 'outgoing', 'sent'])
        .toArray();
      const now = this.context.clock.now();
      const chosen = messagesToResend(sent, now);
      if (chosen.length === 0) return 0;
      // messageId is stored hashed: one equality lookup per id (anyOf would need order).
      const queued = await Promise.all(
        chosen.map((message) => this.db.outbox.where('messageId').equals(message.id).toArray()),
      );
      const alreadyQueued = new Set(queued.flat().flatMap((item) => (item.kind === 'text' ? [item.messageId] : [])));
      const items: OutboxTextRecord[] = chosen
        .filter((message) => !alreadyQueued.has(message.id))
        .map((message) => ({ kind: 'text', messageId: message.id, resend: true, ...newDirectItem(accountId, now) }));
      if (items.length > 0) await this.db.outbox.bulkAdd(items);
      return items.length;
    });
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.#work.then(job).catch((error: unknown) => {
      this.context.logger.warn('session repair failed', { error: describeError(error) });
    });
    this.#work = run;
    return run;
  }
}
