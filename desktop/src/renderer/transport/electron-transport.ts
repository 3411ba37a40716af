/**
 * The vault transport inside Electron: the vault half of the preload's bridge
 * (common/preload-api.ts) already speaks the transport's language, over IPC
 * to the main process, which validates and dispatches every call.
 */
import type { VaultTransport } from '../../common/invoke.js';
import type { ParleyVaultBridge } from '../../common/preload-api.js';
import type { Result } from '../../common/result.js';
import type { VaultEventName } from '../../common/vault-api.js';

export class ElectronTransport implements VaultTransport {
  readonly kind = 'electron';

  constructor(private readonly bridge: ParleyVaultBridge) {}

  call(method: string, args: unknown): Promise<Result<unknown>> {
    return this.bridge.call(method, args);
  }

  onEvent(listener: (name: VaultEventName, payload: unknown) => void): () => void {
    return this.bridge.onEvent(listener);
  }
}
