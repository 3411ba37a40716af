/**
 * The in-memory store's sends under limits: the daily send ledger (bytes
 * charged per sending account on the current UTC day) and the commit that
 * decides each send with the shared rules (store-limits.ts) and applies it.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { MemoryQueues } from './memory-queues.js';
import type { NewSend, SendLimits, SendOutcome, StoredBytesLimits } from './relay-store.js';
import { refusalOf, type SendLedger, sendBytes, utcDay } from './store-limits.js';

export class MemorySendUsage {
  /** Per sending account: the UTC day and the bytes charged on it. */
  readonly #sentToday = new Map<AccountId, { day: number; bytes: number }>();

  sentOn(accountId: AccountId, day: number): number {
    const sent = this.#sentToday.get(accountId);
    return sent !== undefined && sent.day === day ? sent.bytes : 0;
  }

  charge(accountId: AccountId, day: number, bytes: number): void {
    this.#sentToday.set(accountId, { day, bytes: this.sentOn(accountId, day) + bytes });
  }

  /** Charges `bytes` to the account's day of `limits.now` unless that passes the daily quota. */
  chargeWithin(accountId: AccountId, bytes: number, limits: StoredBytesLimits): boolean {
    const day = utcDay(limits.now);
    if (this.sentOn(accountId, day) + bytes > limits.dailySendBytes) return false;
    this.charge(accountId, day, bytes);
    return true;
  }

  /** Forgets the days before `now`'s UTC day; returns how many accounts' entries went. */
  deleteExpired(now: number): number {
    const today = utcDay(now);
    let removed = 0;
    for (const [accountId, sent] of this.#sentToday) {
      if (sent.day < today) {
        this.#sentToday.delete(accountId);
        removed++;
      }
    }
    return removed;
  }

  deleteOf(accountId: AccountId): void {
    this.#sentToday.delete(accountId);
  }
}

/** Commits each send that fits `limits`, charging its sender; DUPLICATE_ENVELOPE refuses the whole call first. */
export function commitSendsTo(
  queues: MemoryQueues,
  usage: MemorySendUsage,
  sends: readonly NewSend[],
  limits: SendLimits,
): SendOutcome[] {
  queues.assertNewIds(sends.flatMap((send) => send.envelopes));
  const day = utcDay(limits.now);
  // Nothing below can fail, so deciding and applying send by send is all-or-nothing per send.
  const ledger: SendLedger = {
    sentOn: (accountId, onDay) => usage.sentOn(accountId, onDay),
    queued: (recipient, deviceId) => queues.usage(recipient, deviceId),
  };
  return sends.map((send): SendOutcome => {
    const refusal = refusalOf(send, limits, ledger);
    if (refusal !== null) return { ok: false, refusal };
    if (send.sender !== null) usage.charge(send.sender, day, sendBytes(send));
    return { ok: true, stored: queues.append(send.envelopes) };
  });
}
