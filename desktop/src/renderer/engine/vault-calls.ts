/**
 * The engine's view of the vault: typed calls that return the value or throw
 * VaultCallError (invoke.ts). A transport that itself fails (the main
 * process or the web shell went away) becomes VaultCallError VAULT_UNREACHABLE,
 * which callers treat like any other transient vault failure.
 */
import { unwrap, VaultCallError, type VaultClient } from '../../common/invoke.js';
import type { Result } from '../../common/result.js';
import type { VaultArgs, VaultEventName, VaultEvents, VaultMethod, VaultResults } from '../../common/vault-api.js';
import type { Unsubscribe } from './observable.js';

export const VAULT_UNREACHABLE = 'VAULT_UNREACHABLE';

/** Vault error codes after which a retry may succeed (nothing was decided about the input). */
const TRANSIENT_VAULT_CODES: ReadonlySet<string> = new Set(['INTERNAL', 'STORAGE', VAULT_UNREACHABLE]);

/** True for failures worth retrying: transient vault codes, and anything that is not a vault answer at all. */
export function isTransientVaultError(error: unknown): boolean {
  return VaultCallError.is(error) ? TRANSIENT_VAULT_CODES.has(error.code) : true;
}

export function vaultErrorCode(error: unknown): string | null {
  return VaultCallError.is(error) ? error.code : null;
}

export class VaultGateway {
  constructor(private readonly client: VaultClient) {}

  async call<M extends VaultMethod>(method: M, args: VaultArgs<M>): Promise<VaultResults[M]> {
    let result: Result<VaultResults[M]>;
    try {
      result = await this.client.invoke(method, args);
    } catch (error) {
      throw new VaultCallError(VAULT_UNREACHABLE, `the vault could not be reached (${method})`, error);
    }
    return unwrap(result);
  }

  on<E extends VaultEventName>(event: E, listener: (payload: VaultEvents[E]) => void): Unsubscribe {
    return this.client.on(event, listener);
  }
}
