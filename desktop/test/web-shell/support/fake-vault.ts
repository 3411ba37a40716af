/**
 * A stand-in for the vault that records what reaches it, for the protocol
 * tests: if a call with bad arguments never shows up here, validation
 * happened in the shell (dispatchVaultCall) before the vault was touched.
 */
import {
  VAULT_METHODS,
  type VaultEventName,
  type VaultEvents,
  type VaultMethod,
} from '../../../src/common/vault-api.js';
import type { HostedVault } from '../../../src/web-shell/hosted-vault.js';

export interface RecordedCall {
  readonly method: VaultMethod;
  readonly args: unknown;
}

export interface FakeVault {
  readonly vault: HostedVault;
  readonly calls: RecordedCall[];
  emit<E extends VaultEventName>(event: E, payload: VaultEvents[E]): void;
  /** Makes `method` wait until the returned function is called (to hold a call in flight). */
  hold(method: VaultMethod): () => void;
  listenerCount(): number;
}

export function createFakeVault(answer: (method: VaultMethod, args: unknown) => unknown = () => null): FakeVault {
  const calls: RecordedCall[] = [];
  const listeners = new Map<VaultEventName, Set<(payload: never) => void>>();
  const held = new Map<VaultMethod, Promise<void>>();
  const methods = Object.fromEntries(
    VAULT_METHODS.map((method) => [
      method,
      async (args: unknown) => {
        calls.push({ method, args });
        await held.get(method);
        return answer(method, args);
      },
    ]),
  );
  const vault = {
    ...methods,
    on<E extends VaultEventName>(event: E, listener: (payload: VaultEvents[E]) => void) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    // The fake answers every method generically; the cast asserts what VAULT_METHODS guarantees.
  } as unknown as HostedVault;
  return {
    vault,
    calls,
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? [])
        (listener as (payload: VaultEvents[typeof event]) => void)(payload);
    },
    hold(method) {
      let release = () => {};
      held.set(
        method,
        new Promise<void>((resolve) => {
          release = resolve;
        }),
      );
      return () => {
        held.delete(method);
        release();
      };
    },
    listenerCount() {
      return [...listeners.values()].reduce((sum, set) => sum + set.size, 0);
    },
  };
}
