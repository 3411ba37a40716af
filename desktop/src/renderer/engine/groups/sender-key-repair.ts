/**
 * Sender-key repair (docs/protocol.md §10, Sender-key repair): a member that
 * cannot read a group message for want of the sender's chain (NO_SENDER_KEY:
 * the distribution never arrived, or a crash or restore lost it) asks the
 * sender for it again, one-to-one; the sender answers with its current sender
 * key and re-sends, one-to-one, its group texts that member never confirmed.
 *
 * - Asking: after the batch's commit, for each (sender, group, chain) that
 *   failed, at most once per ASK_INTERVAL_MS, while we are a joined member
 *   and the sender is one in our fold: a `sender-key-request` outbox item to
 *   the sender (none when one is already queued).
 * - Answering: a request from a joined member of a group we are joined in
 *   takes it out of our `distributedTo` and queues our current sender key to
 *   it (so the next group text also waits for it), then our texts of that
 *   group from the last RESEND_WINDOW_MS whose receipt row for it is still
 *   `sent`, oldest first, as 1:1 `text` items with `resend` (same id and
 *   `sentAt`, the content naming the group: the receiver stores them in the
 *   group and drops a copy it has). The message that failed can never
 *   decrypt: a distribution message carries the chain from its current
 *   iteration on, never the keys of messages already sent, so the text
 *   itself comes again instead.
 *
 * One job at a time, beside the receive pipeline (never holding a commit).
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { Clock } from '../clock.js';
import type { EngineDatabase } from '../database.js';
import { describeError } from '../errors.js';
import type { EngineLogger } from '../logger.js';
import type { SenderKeyWant } from '../receive-plan.js';
import type { OutboxRecord, OutboxSenderKeyRecord, OutboxTextRecord } from '../records.js';
import { RESEND_WINDOW_MS } from '../session-repair.js';
import { isJoinedMember } from './group-members.js';
import { newGroupItem } from './group-outbox.js';

/** A chain is asked for at most once in this long (every message under it fails the same way until the key comes). */
export const ASK_INTERVAL_MS = 60_000;

function wantKey(want: SenderKeyWant): string {
  return `${want.accountId}:${want.groupId}:${want.distributionId}`;
}

/** The wants to act on now: each once, none asked within `intervalMs`. */
export function chooseAsks(
  wants: readonly SenderKeyWant[],
  lastAskedAt: ReadonlyMap<string, number>,
  now: number,
  intervalMs: number = ASK_INTERVAL_MS,
): SenderKeyWant[] {
  const chosen = new Map<string, SenderKeyWant>();
  for (const want of wants) {
    const key = wantKey(want);
    const last = lastAskedAt.get(key);
    if (chosen.has(key) || (last !== undefined && now - last < intervalMs)) continue;
    chosen.set(key, want);
  }
  return [...chosen.values()];
}

export class SenderKeyRepair {
  readonly #lastAskedAt = new Map<string, number>();
  #work: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: EngineDatabase,
    private readonly context: {
      readonly clock: Clock;
      readonly logger: EngineLogger;
      /** The outbox has new items. */
      readonly queued: () => void;
    },
  ) {}

  /** Group messages that failed NO_SENDER_KEY (after their commit): ask their senders. */
  ask(wants: readonly SenderKeyWant[]): void {
    if (wants.length === 0) return;
    void this.#enqueue(async () => {
      const now = this.context.clock.now();
      let queued = 0;
      for (const want of chooseAsks(wants, this.#lastAskedAt, now)) {
        this.#lastAskedAt.set(wantKey(want), now);
        if (await this.#askOne(want, now)) queued++;
      }
      if (queued > 0) this.context.queued();
    });
  }

  /** Members that asked for our sender key: the key and their unconfirmed texts go to them again. */
  answer(wants: readonly SenderKeyWant[]): void {
    if (wants.length === 0) return;
    void this.#enqueue(async () => {
      for (const want of chooseAsks(wants, new Map(), 0)) {
        const resent = await this.#answerOne(want);
        this.context.logger.info('sender key asked for', { groupId: want.groupId, resent });
      }
      this.context.queued();
    });
  }

  /** Resolves when every job asked for so far is done (tests, stop). */
  idle(): Promise<void> {
    return this.#work;
  }

  #askOne(want: SenderKeyWant, now: number): Promise<boolean> {
    return this.db.dexie.transaction('rw', ['groups', 'outbox'], async () => {
      const group = await this.db.groups.get(want.groupId);
      // A removed member's chain is not ours to read; nor is a group we left.
      if (group?.membership !== 'joined' || !isJoinedMember(group, want.accountId)) return false;
      const queued = await this.db.outbox.where('recipient').equals(want.accountId).toArray();
      const waiting = queued.some(
        (item) =>
          item.kind === 'sender-key-request' &&
          item.groupId === want.groupId &&
          item.distributionId === want.distributionId,
      );
      if (waiting) return false;
      await this.db.outbox.add({
        kind: 'sender-key-request',
        groupId: want.groupId,
        distributionId: want.distributionId,
        ...newGroupItem(want.accountId, want.groupId, now),
      });
      this.context.logger.info('sender key requested', { groupId: want.groupId });
      return true;
    });
  }

  /** Answers how many texts were queued again. */
  #answerOne(want: SenderKeyWant): Promise<number> {
    const { accountId: member, groupId } = want;
    const tables = ['groups', 'outbox', 'messages', 'groupReceipts'];
    return this.db.dexie.transaction('rw', tables, async () => {
      const group = await this.db.groups.get(groupId);
      if (group?.membership !== 'joined' || !isJoinedMember(group, member)) return 0;
      const now = this.context.clock.now();
      const queued = await this.db.outbox.where('recipient').equals(member).toArray();
      const items: OutboxRecord[] = [];
      if (group.distributionId !== null) {
        // Not distributed any more: the next group text waits until the key reached it again.
        await this.db.groups.update(groupId, {
          distributedTo: group.distributedTo.filter((accountId) => accountId !== member),
        });
        const keyQueued = queued.some(
          (item) =>
            item.kind === 'sender-key' && item.groupId === groupId && item.distributionId === group.distributionId,
        );
        if (!keyQueued) {
          const key: OutboxSenderKeyRecord = {
            kind: 'sender-key',
            groupId,
            distributionId: group.distributionId,
            ...newGroupItem(member, groupId, now),
          };
          items.push(key);
        }
      }
      // (No current chain: a rotation is pending, and the next text distributes the new key to it anyway.)
      const texts = await this.#unconfirmed(groupId, member, now);
      const alreadyQueued = new Set(queued.flatMap((item) => (item.kind === 'text' ? [item.messageId] : [])));
      const resends: OutboxTextRecord[] = texts
        .filter((messageId) => !alreadyQueued.has(messageId))
        .map((messageId) => ({ kind: 'text', messageId, resend: true, ...newGroupItem(member, groupId, now) }));
      items.push(...resends);
      if (items.length > 0) await this.db.outbox.bulkAdd(items);
      return resends.length;
    });
  }

  /** Our texts of the group, oldest first, the member never confirmed (its receipt row still `sent`). */
  async #unconfirmed(groupId: string, member: AccountId, now: number): Promise<string[]> {
    const rows = await this.db.groupReceipts.where('accountId').equals(member).toArray();
    const ids = rows.filter((row) => row.groupId === groupId && row.state === 'sent').map((row) => row.messageId);
    const messages = await this.db.messages.bulkGet(ids);
    return messages
      .flatMap((message) =>
        message !== undefined &&
        message.direction === 'outgoing' &&
        message.kind === 'text' &&
        message.state === 'sent' &&
        message.sentAt >= now - RESEND_WINDOW_MS
          ? [message]
          : [],
      )
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
      .map((message) => message.id);
  }

  #enqueue(job: () => Promise<void>): Promise<void> {
    const run = this.#work.then(job).catch((error: unknown) => {
      this.context.logger.warn('sender-key repair failed', { error: describeError(error) });
    });
    this.#work = run;
    return run;
  }
}
