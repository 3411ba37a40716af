/**
 * What a host of the vault (Electron main, the web shell) needs of it: the
 * vault API (called only through dispatchVaultCall) and its events, which the
 * host forwards to its page.
 */
import type { VaultApi, VaultEventName, VaultEvents } from '../common/vault-api.js';

export interface HostedVault extends VaultApi {
  /** Subscribes to a vault event; returns the unsubscribe function. */
  on<E extends VaultEventName>(event: E, listener: (payload: VaultEvents[E]) => void): () => void;
}

/** Every vault event, listed once; `satisfies` fails the build when vault-api.ts gains an event not listed here. */
const VAULT_EVENTS = { locked: true } as const satisfies Record<VaultEventName, true>;
export const VAULT_EVENT_NAMES = Object.keys(VAULT_EVENTS) as VaultEventName[];
