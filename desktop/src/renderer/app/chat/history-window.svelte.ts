/**
 * The loaded part of one conversation's history (see README.md). Pages are
 * read once (a page landing reads and decrypts that page only) and merged
 * into *settled* rows, which engine events keep current: `message-state`
 * patches a row's state, `message` inserts a late message that sorts inside
 * them. While the window reaches the newest message, a liveQuery keeps the
 * *live* tail current (new messages, receipts, retries). Never more than
 * HISTORY_BUDGET.maxRows + one page of decrypted rows are held.
 */
import type { Subscription } from 'dexie';
import type { Engine } from '../../engine/engine.js';
import { liveQuery, type MessageRange, type MessageView } from '../../engine/queries.js';
import type { MessageState } from '../../engine/records.js';
import {
  insertWithin,
  type LoadedRows,
  liveRestartKey,
  type PagedRows,
  patchRow,
  type WindowBudget,
  withLiveRows,
  withNewerPage,
  withOlderPage,
} from './window-rows.js';

export const HISTORY_BUDGET: WindowBudget = { pageSize: 100, maxRows: 300 };

/** Rows loaded before the first unread message when the conversation opens there. */
const CONTEXT_BEFORE_UNREAD = 20;

export type HistoryLoad = 'open' | 'older' | 'newer' | 'newest';

export class HistoryWindow {
  /** Loaded messages, oldest first. */
  rows = $state.raw<readonly MessageView[]>([]);
  hasOlder = $state(false);
  hasNewer = $state(false);
  /** The first message that was unread when the conversation opened (the divider goes there). */
  firstUnreadKey = $state<string | null>(null);
  /** Rows have arrived at least once. */
  ready = $state(false);
  loading = $state<HistoryLoad | null>(null);
  /** The history could not be read (the sentence for the screen is the view's). */
  failure = $state<unknown>(null);
  /** The window reaches the newest message (a live query holds its tail): new ones appear in it. */
  following = $state(true);

  readonly #engine: Engine;
  readonly #conversationId: string;
  #loaded: LoadedRows<MessageView> = { settled: [], live: null };
  /** More exists before the first loaded row. */
  #hasOlderThanLoaded = false;
  #subscription: Subscription | null = null;
  #generation = 0;
  readonly #unsubscribeEvents: (() => void)[] = [];
  #disposed = false;

  constructor(engine: Engine, conversationId: string) {
    this.#engine = engine;
    this.#conversationId = conversationId;
    this.#unsubscribeEvents.push(
      engine.on('message-state', (event) => {
        if (event.conversationId === conversationId) this.setState(event.messageId, event.state);
      }),
      engine.on('message', (event) => {
        if (event.conversationId === conversationId) void this.#insertLate(event.messageId);
      }),
      engine.on('message-changed', (event) => {
        if (event.conversationId === conversationId) void this.#refresh(event.messageId);
      }),
    );
  }

  /** Loads the window the conversation opens on: around the first unread message, else the newest page. */
  async open(): Promise<void> {
    await this.#load('open', async (generation) => {
      const firstUnread = await this.#engine.queries.firstUnreadPosition(this.#conversationId);
      this.firstUnreadKey = firstUnread;
      if (firstUnread === null) return this.#showNewest(generation);
      return this.#showAround(generation, firstUnread);
    });
  }

  /**
   * Loads the window around a message (a reply's quote was clicked) unless
   * it is loaded already; answers whether the message is in the rows now.
   */
  async showMessage(messageId: string): Promise<boolean> {
    if (this.rows.some((row) => row.id === messageId)) return true;
    const message = await this.#engine.queries.message(messageId);
    if (message === null || message.conversationId !== this.#conversationId) return false;
    await this.#load('open', (generation) => this.#showAround(generation, message.position));
    return this.rows.some((row) => row.id === messageId);
  }

  /** A window from a little before `position` to a page after it (live when that reaches the newest). */
  async #showAround(generation: number, position: string): Promise<void> {
    const queries = this.#engine.queries;
    const id = this.#conversationId;
    const [before, after] = await Promise.all([
      queries.positionAway(id, { from: position, direction: 'older', count: CONTEXT_BEFORE_UNREAD }),
      queries.positionAway(id, { from: position, direction: 'newer', count: HISTORY_BUDGET.pageSize }),
    ]);
    const from = before.position ?? position;
    if (after.reachedEnd) return this.#goLive(generation, from, { settled: [], live: null });
    const range = await queries.messageRange(id, {
      from,
      ...(after.position === null ? {} : { to: after.position }),
    });
    if (generation !== this.#generation) return;
    this.#stopLive();
    this.#hasOlderThanLoaded = range.hasOlder;
    this.#show({ settled: range.messages, live: null }, range.hasNewer);
  }

  /** Pages older messages in (the view calls it as the top of the loaded rows comes near). */
  async loadOlder(): Promise<void> {
    const first = this.rows[0];
    if (first === undefined || !this.hasOlder || this.loading !== null) return;
    await this.#load('older', async (generation) => {
      const page = await this.#engine.queries.messagePage(this.#conversationId, {
        before: first.position,
        limit: HISTORY_BUDGET.pageSize,
      });
      // The rows moved meanwhile (the live tail pushed the top out): this page no longer joins them.
      if (generation !== this.#generation || this.rows[0]?.id !== first.id) return;
      const paged = withOlderPage(this.#loaded, page.messages, HISTORY_BUDGET);
      if (paged.live === null) this.#stopLive();
      this.#hasOlderThanLoaded = page.hasOlder;
      this.#show(paged, paged.trimmed || this.hasNewer);
    });
  }

  /** Pages newer messages in; reaching the newest starts the live query so new messages appear. */
  async loadNewer(): Promise<void> {
    const last = this.rows.at(-1);
    if (last === undefined || this.following || !this.hasNewer || this.loading !== null) return;
    await this.#load('newer', async (generation) => {
      const queries = this.#engine.queries;
      const id = this.#conversationId;
      const step = await queries.positionAway(id, {
        from: last.position,
        direction: 'newer',
        count: HISTORY_BUDGET.pageSize,
      });
      if (generation !== this.#generation || this.rows.at(-1)?.id !== last.id) return;
      // From the last row (inclusive): the new rows are the ones after it.
      if (step.reachedEnd) return this.#goLive(generation, last.position, this.#loaded);
      if (step.position === null) return;
      const range = await queries.messageRange(id, { from: last.position, to: step.position });
      if (generation !== this.#generation || this.rows.at(-1)?.id !== last.id) return;
      const paged = withNewerPage(this.#loaded.settled, range.messages.slice(1), HISTORY_BUDGET);
      if (paged.trimmed) this.#hasOlderThanLoaded = true;
      this.#show(paged, range.hasNewer);
    });
  }

  /** Moves the window to the newest page (the "new messages" button, sending a message). */
  async jumpToNewest(): Promise<void> {
    if (this.following) return;
    await this.#load('newest', (generation) => this.#showNewest(generation));
  }

  /** A loaded message moved to another state (an event, or a retry the view started). */
  setState(messageId: string, state: MessageState): void {
    const settled = patchRow(this.#loaded.settled, messageId, (row) => (row.state === state ? row : { ...row, state }));
    if (settled !== this.#loaded.settled) this.#show({ ...this.#loaded, settled }, this.hasNewer);
  }

  /** These messages were marked read: settled rows show it (the live tail re-reads by itself). */
  markedRead(messageIds: readonly string[]): void {
    const ids = new Set(messageIds);
    const settled = this.#loaded.settled;
    if (!settled.some((row) => ids.has(row.id) && row.state !== 'read')) return;
    const read = settled.map((row) =>
      ids.has(row.id) && row.state !== 'read' ? { ...row, state: 'read' as const } : row,
    );
    this.#show({ ...this.#loaded, settled: read }, this.hasNewer);
  }

  dispose(): void {
    this.#disposed = true;
    this.#generation++;
    this.#stopLive();
    for (const unsubscribe of this.#unsubscribeEvents.splice(0)) unsubscribe();
  }

  /** A message stored after its neighbours were read (it sorts by send time) lands between settled rows. */
  async #insertLate(messageId: string): Promise<void> {
    // Only a message sorting between two settled rows needs this; the live tail reads new ones by itself.
    if (this.#loaded.settled.length < 2) return;
    const message = await this.#engine.queries.message(messageId);
    if (message === null || this.#disposed) return;
    const settled = insertWithin(this.#loaded.settled, message);
    if (settled !== this.#loaded.settled) this.#show({ ...this.#loaded, settled }, this.hasNewer);
  }

  /** A settled row changed or went (a reaction, an edit, a delete, a timer): read it again (the live tail re-reads by itself). */
  async #refresh(messageId: string): Promise<void> {
    const message = await this.#engine.queries.message(messageId);
    if (this.#disposed) return;
    const settled = this.#loaded.settled;
    const next =
      message === null
        ? settled.filter((row) => row.id !== messageId)
        : settled.some((row) => row.id === messageId)
          ? patchRow(settled, messageId, () => message)
          : settled.length >= 2
            ? insertWithin(settled, message)
            : settled;
    if (next.length !== settled.length || next !== settled)
      this.#show({ ...this.#loaded, settled: next }, this.hasNewer);
  }

  async #showNewest(generation: number): Promise<void> {
    const start = await this.#engine.queries.positionAway(this.#conversationId, {
      direction: 'older',
      count: HISTORY_BUDGET.pageSize,
    });
    if (generation !== this.#generation) return;
    await this.#goLive(generation, start.position ?? '', { settled: [], live: null });
  }

  /** Works out and reads the new rows (the old rows stay shown meanwhile). */
  async #load(kind: HistoryLoad, run: (generation: number) => Promise<void>): Promise<void> {
    if (this.#disposed) return;
    this.loading = kind;
    try {
      await run(this.#generation);
    } catch (error) {
      if (!this.#disposed) this.failure = error;
    } finally {
      this.loading = null;
    }
  }

  /** Starts the live query over the tail from `from` (inclusive) after `base`'s settled rows; resolves on its first result. */
  #goLive(generation: number, from: string, base: LoadedRows<MessageView>): Promise<void> {
    if (generation !== this.#generation || this.#disposed) return Promise.resolve();
    const current = ++this.#generation;
    // Dropped once replaced: a closure that kept it would keep every earlier window (and its rows) alive.
    let previous = this.#subscription;
    this.#subscription = null;
    const settled = base.settled;
    const id = this.#conversationId;
    const queries = this.#engine.queries;
    const request = { from };
    return new Promise((resolve, reject) => {
      let first = true;
      const settle = (error?: unknown) => {
        if (!first) return;
        first = false;
        previous?.unsubscribe();
        previous = null;
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#subscription = liveQuery(() => queries.messageRange(id, request)).subscribe({
        next: (range) => {
          if (current !== this.#generation) return;
          this.#applyLive(first ? settled : this.#loaded.settled, range);
          settle();
        },
        error: (error: unknown) => {
          if (current !== this.#generation) return;
          this.failure = error;
          settle(error);
        },
      });
    });
  }

  #applyLive(settled: readonly MessageView[], range: MessageRange): void {
    if (settled.length === 0) this.#hasOlderThanLoaded = range.hasOlder;
    const merged = withLiveRows(settled, range.messages, HISTORY_BUDGET);
    if (merged.trimmed) this.#hasOlderThanLoaded = true;
    this.#show(merged, range.hasNewer);
    // Followed long enough to outgrow the budget: restart the tail nearer the end (the dropped rows were above the view).
    const restart = liveRestartKey(merged.live ?? [], HISTORY_BUDGET);
    if (restart !== null) void this.#goLive(this.#generation, restart, { settled: [], live: null });
  }

  #stopLive(): void {
    this.#generation++;
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }

  #show(loaded: PagedRows<MessageView> | LoadedRows<MessageView>, hasNewer: boolean): void {
    this.#loaded = { settled: loaded.settled, live: loaded.live };
    this.rows = loaded.live === null || loaded.live.length === 0 ? loaded.settled : [...loaded.settled, ...loaded.live];
    this.following = loaded.live !== null;
    this.hasOlder = this.#hasOlderThanLoaded;
    this.hasNewer = loaded.live === null ? hasNewer : false;
    this.ready = true;
    this.failure = null;
  }
}
