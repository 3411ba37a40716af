/**
 * Delete account, in the order that never strands the user: the relay first
 * (the account, its devices, prekeys and queued envelopes; if it fails,
 * nothing changed), then the vault (keys, sessions, its database: all or
 * nothing, vault/erase-identity.ts), then this engine's IndexedDB database
 * (history, contacts). A relay that no longer knows the account (an earlier
 * attempt got that far) counts as done, so a retry after any failure
 * finishes the job.
 */
import { RelayErrorCode } from '@parley/crypto-core/wire';
import { ERASE_IDENTITY_CONFIRMATION } from '../../common/vault-api.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type { RelayTokens } from './relay-auth.js';
import { RelayCallError } from './relay-errors.js';
import { relayFailureError } from './relay-errors-map.js';
import type { RelayHttpClient } from './relay-http.js';
import type { VaultGateway } from './vault-calls.js';
import { vaultFailureError } from './vault-errors-map.js';

/** DELETE /v1/accounts/me with the engine's token (logging in again if it expired). */
export async function deleteRelayAccount(http: RelayHttpClient, tokens: RelayTokens): Promise<void> {
  try {
    await tokens.withToken((token) => http.deleteAccount(token));
  } catch (error) {
    // Gone already: the deletion answer or the login for a new token says so.
    if (RelayCallError.is(error, RelayErrorCode.UnknownAccount)) return;
    throw relayFailureError(error) ?? vaultFailureError(error);
  }
}

export async function eraseVaultIdentity(vault: VaultGateway): Promise<void> {
  try {
    await vault.call('eraseIdentity', { confirm: ERASE_IDENTITY_CONFIRMATION });
  } catch (error) {
    throw vaultFailureError(error);
  }
}

/** Deletes the (closed) engine database; an open connection elsewhere (another tab) is closed by Dexie's versionchange. */
export async function deleteEngineDatabase(db: EngineDatabase): Promise<void> {
  try {
    await db.dexie.delete();
  } catch (error) {
    throw new EngineError(EngineErrorCode.Storage, 'the local database could not be deleted', error);
  }
}
