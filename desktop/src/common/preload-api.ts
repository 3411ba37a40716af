/**
 * The one object Electron's preload exposes to the renderer (through
 * contextBridge.exposeInMainWorld(PRELOAD_GLOBAL_NAME, ...)), and which the
 * renderer's Electron transport consumes. Declared here so both sides agree on
 * its shape. Types and one constant only: the preload is a self-contained
 * CommonJS script, so it may inline the constant rather than require this file.
 */
import type { Result } from './result.js';
import type { VaultEventName } from './vault-api.js';

export const PRELOAD_GLOBAL_NAME = 'parleyVault';

export interface ParleyVaultBridge {
  /** One vault call; the main process validates and dispatches it (dispatchVaultCall). */
  call(method: string, args: unknown): Promise<Result<unknown>>;
  /** Subscribes to vault events; returns the unsubscribe function. */
  onEvent(listener: (name: VaultEventName, payload: unknown) => void): () => void;
}

declare global {
  interface Window {
    /** Present only inside Electron, where the preload exposed it. */
    readonly parleyVault?: ParleyVaultBridge;
  }
}
