/**
 * What a host of the vault (Electron main, the web shell) needs of it: the
 * vault API (called only through dispatchVaultCall) and its events, which the
 * host forwards to its page.
 */
import type { VaultApi, VaultEventName, VaultEvents } from '../common/vault-api.js';

export { VAULT_EVENT_NAMES } from '../common/vault-api.js';

export interface HostedVault extends VaultApi {
  /** Subscribes to a vault event; returns the unsubscribe function. */
  on<E extends VaultEventName>(event: E, listener: (payload: VaultEvents[E]) => void): () => void;
}
