/** The vault's typed event channel (VaultEvents): what the host forwards to the renderer. */
import type { VaultEventName, VaultEvents } from '../common/vault-api.js';

type Listener<E extends VaultEventName> = (payload: VaultEvents[E]) => void;

export class VaultEventEmitter {
  readonly #listeners = new Map<VaultEventName, Set<(payload: never) => void>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<E extends VaultEventName>(event: E, listener: Listener<E>): () => void {
    let listeners = this.#listeners.get(event);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(event, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }

  emit<E extends VaultEventName>(event: E, payload: VaultEvents[E]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        // Every listener in this set was registered for `event`.
        (listener as Listener<E>)(payload);
      } catch {
        // A failing listener (a closed IPC channel) must not fail the vault operation that already committed.
      }
    }
  }
}
