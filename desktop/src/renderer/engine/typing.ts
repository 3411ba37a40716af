/**
 * Typing indicators. Incoming: who is typing where, in memory only, each
 * entry expiring on its own (a lost "stopped" must not leave dots forever)
 * and cleared when that person's message arrives. Outgoing: "started" at
 * most once per interval while the user keeps typing, "stopped" once when
 * they stop; sent ephemeral (never stored by the relay), best effort.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type { Clock } from './clock.js';
import { Observable } from './observable.js';

export interface TypingOptions {
  /** An incoming "started" counts for this long unless renewed (ms). */
  readonly expireAfterMs: number;
  /** Repeat "started" at most this often while typing continues (ms). */
  readonly resendStartedAfterMs: number;
}

export const DEFAULT_TYPING_OPTIONS: TypingOptions = { expireAfterMs: 15_000, resendStartedAfterMs: 10_000 };

/** Conversation id -> account ids typing there now. */
export type TypingState = ReadonlyMap<string, readonly AccountId[]>;

function sameTypingState(a: TypingState, b: TypingState): boolean {
  if (a.size !== b.size) return false;
  for (const [conversationId, accounts] of a) {
    const other = b.get(conversationId);
    if (other === undefined || other.length !== accounts.length) return false;
    if (accounts.some((account, index) => other[index] !== account)) return false;
  }
  return true;
}

export class TypingTracker {
  readonly state = new Observable<TypingState>(new Map(), sameTypingState);
  /** conversation -> account -> expiry timer */
  readonly #timers = new Map<string, Map<AccountId, ReturnType<typeof setTimeout>>>();

  constructor(private readonly options: TypingOptions = DEFAULT_TYPING_OPTIONS) {}

  update(conversationId: string, accountId: AccountId, action: 'started' | 'stopped'): void {
    if (action === 'started') this.#start(conversationId, accountId);
    else this.clear(conversationId, accountId);
  }

  /** Their message arrived: they are no longer typing it. */
  clear(conversationId: string, accountId: AccountId): void {
    const timers = this.#timers.get(conversationId);
    const timer = timers?.get(accountId);
    if (timers === undefined || timer === undefined) return;
    clearTimeout(timer);
    timers.delete(accountId);
    if (timers.size === 0) this.#timers.delete(conversationId);
    this.#publish();
  }

  stop(): void {
    for (const timers of this.#timers.values()) for (const timer of timers.values()) clearTimeout(timer);
    this.#timers.clear();
    this.#publish();
  }

  #start(conversationId: string, accountId: AccountId): void {
    let timers = this.#timers.get(conversationId);
    if (timers === undefined) {
      timers = new Map();
      this.#timers.set(conversationId, timers);
    }
    const previous = timers.get(accountId);
    if (previous !== undefined) clearTimeout(previous);
    timers.set(
      accountId,
      setTimeout(() => this.clear(conversationId, accountId), this.options.expireAfterMs),
    );
    this.#publish();
  }

  #publish(): void {
    const next = new Map<string, readonly AccountId[]>();
    for (const [conversationId, timers] of this.#timers) next.set(conversationId, [...timers.keys()].sort());
    this.state.set(next);
  }
}

/** Decides which typing notifications to send; the caller sends them. */
export class TypingThrottle {
  /** conversation -> when "started" was last sent */
  readonly #startedAt = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly options: TypingOptions = DEFAULT_TYPING_OPTIONS,
  ) {}

  /** The notification to send now for this change, or null. */
  next(conversationId: string, typing: boolean): 'started' | 'stopped' | null {
    const startedAt = this.#startedAt.get(conversationId);
    const now = this.clock.now();
    if (typing) {
      if (startedAt !== undefined && now - startedAt < this.options.resendStartedAfterMs) return null;
      this.#startedAt.set(conversationId, now);
      return 'started';
    }
    if (startedAt === undefined) return null;
    this.#startedAt.delete(conversationId);
    return 'stopped';
  }

  /** A message was sent: the receiver clears the indicator itself, so no "stopped" is owed. */
  messageSent(conversationId: string): void {
    this.#startedAt.delete(conversationId);
  }
}
