/** The vault's own failures, as the VaultError codes of the API contract. */
import { ApiErrorCode } from '../common/api-errors.js';
import { VaultError } from '../common/dispatch.js';

export function lockedError(): VaultError {
  return new VaultError(ApiErrorCode.Locked, 'the vault is locked: unlock it first', null);
}

export function noIdentityError(): VaultError {
  return new VaultError(ApiErrorCode.NoIdentity, 'this profile has no identity yet: create one first', null);
}

export function identityExistsError(): VaultError {
  return new VaultError(ApiErrorCode.IdentityExists, 'this profile already has an identity', null);
}

export function invalidArgumentError(message: string): VaultError {
  return new VaultError(ApiErrorCode.InvalidArgument, message, null);
}

export function storageError(message: string, cause: unknown): VaultError {
  return new VaultError(ApiErrorCode.Storage, message, cause);
}

/** `what` says what this build does not know (a schema version, a record kind). */
export function vaultFromNewerVersionError(what: string): VaultError {
  return new VaultError(
    ApiErrorCode.VaultFromNewerVersion,
    `${what}: the vault was written by a newer version of the app; update the app`,
    null,
  );
}

/** `store` is the record kind ("session", "data-key", ...), or null when the row does not authenticate (its kind is sealed). */
export function vaultDamagedError(store: string | null, detail: string, cause: unknown): VaultError {
  const where = store === null ? 'a vault row of unknown kind' : `a vault record of kind "${store}"`;
  return new VaultError(ApiErrorCode.VaultDamaged, `${where} is damaged: ${detail}`, cause);
}

export function invalidBackupSettingError(message: string): VaultError {
  return new VaultError(ApiErrorCode.InvalidBackupSetting, message, null);
}

export function badPassphraseError(cause: unknown): VaultError {
  return new VaultError(ApiErrorCode.BadPassphrase, 'wrong passphrase', cause);
}

/** A protocol-level refusal the engine reacts to by code (NO_SESSION, INVALID_CERTIFICATE, ...). */
export function protocolError(code: ApiErrorCode, message: string): VaultError {
  return new VaultError(code, message, null);
}

/** Another relay gave relayRequest no usable answer (relay-proxy.ts). */
export function relayUnreachableError(message: string, cause: unknown): VaultError {
  return new VaultError(ApiErrorCode.RelayUnreachable, message, cause);
}
