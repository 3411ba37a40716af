/**
 * The renderer's side of the vault boundary: one generic, typed `invoke`
 * over any transport (Electron IPC through the preload, the web shell's
 * WebSocket, or in-process for Node tests). Browser-safe.
 */
import type { ApiErrorCode } from './api-errors.js';
import { ParleyDesktopError } from './desktop-error.js';
import type { Result } from './result.js';
import type { VaultArgs, VaultEventName, VaultEvents, VaultMethod, VaultResults } from './vault-api.js';

/** What a transport must do: carry one call and its answer, and deliver vault events. */
export interface VaultTransport {
  call(method: string, args: unknown): Promise<Result<unknown>>;
  onEvent(listener: (name: VaultEventName, payload: unknown) => void): () => void;
}

export interface VaultClient {
  invoke<M extends VaultMethod>(method: M, args: VaultArgs<M>): Promise<Result<VaultResults[M]>>;
  on<E extends VaultEventName>(event: E, listener: (payload: VaultEvents[E]) => void): () => void;
}

export function createVaultClient(transport: VaultTransport): VaultClient {
  return {
    invoke<M extends VaultMethod>(method: M, args: VaultArgs<M>) {
      // The vault side validated the result's shape by construction; the cast
      // is the one place the generic method-to-result mapping is asserted.
      return transport.call(method, args) as Promise<Result<VaultResults[M]>>;
    },
    on(event, listener) {
      return transport.onEvent((name, payload) => {
        if (name === event) listener(payload as VaultEvents[typeof event]);
      });
    },
  };
}

/** Unwraps a result, throwing a VaultCallError for the engine's own error handling. */
export class VaultCallError extends ParleyDesktopError<ApiErrorCode | string> {
  static override readonly errorName = 'VaultCallError';
  static override readonly codes = null;
}

export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new VaultCallError(result.error.code, result.error.message, result.error);
}
