/**
 * A value that changes over time, with the Svelte store contract
 * (`subscribe(run)` calls `run` at once and on every change, and returns an
 * unsubscribe function), so the UI can use it as `$connection` directly.
 */

export type Unsubscribe = () => void;

export interface Readable<T> {
  readonly value: T;
  subscribe(run: (value: T) => void): Unsubscribe;
}

export class Observable<T> implements Readable<T> {
  #value: T;
  readonly #subscribers = new Set<(value: T) => void>();

  constructor(
    initial: T,
    private readonly equals: (a: T, b: T) => boolean = Object.is,
  ) {
    this.#value = initial;
  }

  get value(): T {
    return this.#value;
  }

  set(next: T): void {
    if (this.equals(this.#value, next)) return;
    this.#value = next;
    for (const run of [...this.#subscribers]) run(next);
  }

  subscribe(run: (value: T) => void): Unsubscribe {
    this.#subscribers.add(run);
    run(this.#value);
    return () => {
      this.#subscribers.delete(run);
    };
  }
}

/** A typed event hub: `on` returns its own unsubscribe; a throwing listener cannot break the others. */
export class EventHub<Events extends { [K in keyof Events]: unknown }> {
  readonly #listeners = new Map<keyof Events, Set<(payload: never) => void>>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): Unsubscribe {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (payload: Events[E]) => void)(payload);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
