/** Vault failures as the UI sees them (EngineError). */
import { VaultCallError } from '../../common/invoke.js';
import { EngineError, EngineErrorCode } from './errors.js';

export function vaultFailureError(error: unknown): EngineError {
  if (EngineError.is(error)) return error;
  if (VaultCallError.is(error)) {
    switch (error.code) {
      case 'LOCKED':
        return new EngineError(EngineErrorCode.Locked, 'the vault is locked', error);
      case 'NO_IDENTITY':
        return new EngineError(EngineErrorCode.NoIdentity, 'this profile has no identity yet', error);
      case 'IDENTITY_EXISTS':
        return new EngineError(EngineErrorCode.IdentityExists, 'this profile already has an identity', error);
      case 'BAD_PASSPHRASE':
        return new EngineError(EngineErrorCode.BadPassphrase, 'the passphrase is not right', error);
      case 'FORGED_IDENTITY':
        return new EngineError(EngineErrorCode.ForgedKey, "the relay presented a key that is not the contact's", error);
      case 'VAULT_FROM_NEWER_VERSION':
        return new EngineError(EngineErrorCode.VaultFromNewerVersion, 'the vault is from a newer version', error);
      case 'VAULT_DAMAGED':
        return new EngineError(EngineErrorCode.VaultDamaged, `the vault is damaged: ${error.message}`, error);
      case 'ACCOUNT_ID_MISMATCH':
        return new EngineError(EngineErrorCode.AccountIdMismatch, 'the key does not belong to this account', error);
      default:
        return new EngineError(EngineErrorCode.VaultFailed, `the vault failed: ${error.code}`, error);
    }
  }
  return new EngineError(EngineErrorCode.Internal, 'unexpected failure', error);
}
