/**
 * Disappearing messages (docs/protocol.md §6, Conversation features): a
 * message with a timer gets its `expiresAt` (ours: from sending; theirs:
 * from when the user read it) and a row in `expiries`; the sweep removes
 * every message whose time came, from the database and so from every query
 * and backup, and wakes itself again for the next one.
 */
import type { Clock } from './clock.js';
import type { EngineDatabase } from './database.js';
import { describeError } from './errors.js';
import type { EngineLogger } from './logger.js';
import type { ExpiryRecord, MessageRecord } from './records.js';

/** Longest single wait of the sweep's timer (a later expiry is waited for in steps). */
const MAX_WAIT_MS = 60 * 60 * 1000;

/** The message's timer starts at `from` (inside the caller's transaction): `expiresAt` and its `expiries` row. */
export async function startExpiry(db: EngineDatabase, message: MessageRecord, from: number): Promise<number | null> {
  const seconds = message.expireTimer ?? null;
  if (seconds === null || seconds <= 0 || (message.expiresAt ?? null) !== null) return null;
  const expiresAt = from + seconds * 1000;
  await db.messages.update(message.id, { expiresAt });
  const row: ExpiryRecord = { messageId: message.id, conversationId: message.conversationId, expiresAt };
  await db.expiries.put(row);
  return expiresAt;
}

/** Removes expired messages (one transaction); answers how many and when the next one is due. */
export interface RemovedMessage {
  readonly conversationId: string;
  readonly messageId: string;
}

export function removeExpired(
  db: EngineDatabase,
  now: number,
): Promise<{ removed: RemovedMessage[]; next: number | null }> {
  return db.dexie.transaction('rw', ['messages', 'expiries', 'conversations'], async () => {
    const rows = await db.expiries.toArray();
    const due = rows.filter((row) => row.expiresAt <= now);
    const next = rows.reduce<number | null>(
      (soonest, row) =>
        row.expiresAt > now && (soonest === null || row.expiresAt < soonest) ? row.expiresAt : soonest,
      null,
    );
    if (due.length === 0) return { removed: [], next };
    const ids = due.map((row) => row.messageId);
    const messages = await db.messages.bulkGet(ids);
    await db.messages.bulkDelete(ids);
    await db.expiries.bulkDelete(ids);
    // The newest message went: the list shows no text of it any more.
    for (const message of messages) {
      if (message === undefined) continue;
      const conversation = await db.conversations.get(message.conversationId);
      if (conversation !== undefined && conversation.lastSortKey === message.sortKey && conversation.preview !== null) {
        await db.conversations.update(conversation.id, { preview: null });
      }
    }
    return { removed: due.map((row) => ({ conversationId: row.conversationId, messageId: row.messageId })), next };
  });
}

/** Whether `message` has expired at `now` (for reads that race the sweep, e.g. backups). */
export function isExpired(message: MessageRecord, now: number): boolean {
  const expiresAt = message.expiresAt ?? null;
  return expiresAt !== null && expiresAt <= now;
}

/** Runs removeExpired when the next message is due; kick() after a timer started. */
export class MessageExpiry {
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  #active: Promise<void> | null = null;

  constructor(
    private readonly db: EngineDatabase,
    private readonly clock: Clock,
    private readonly logger: EngineLogger,
    private readonly removed: (messages: readonly RemovedMessage[]) => void = () => {},
  ) {}

  start(): void {
    this.#running = true;
    this.kick();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Sweep now and schedule the next sweep. */
  kick(): void {
    if (!this.#running) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    const run = (this.#active ?? Promise.resolve()).then(() => this.#sweep());
    this.#active = run;
    void run.finally(() => {
      if (this.#active === run) this.#active = null;
    });
  }

  /** Resolves when no sweep is in progress (tests). */
  async idle(): Promise<void> {
    while (this.#active !== null) await this.#active;
  }

  async #sweep(): Promise<void> {
    if (!this.#running) return;
    try {
      const { removed, next } = await removeExpired(this.db, this.clock.now());
      if (removed.length > 0) this.removed(removed);
      if (next !== null && this.#running) {
        const wait = Math.min(MAX_WAIT_MS, Math.max(0, next - this.clock.now()));
        this.#timer = setTimeout(() => this.kick(), wait);
      }
    } catch (error) {
      this.logger.warn('removing expired messages failed', { error: describeError(error) });
      if (this.#running) this.#timer = setTimeout(() => this.kick(), 1000);
    }
  }
}
