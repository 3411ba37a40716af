/**
 * Error codes of the vault API. Crypto failures keep crypto-core's code
 * (UNTRUSTED_IDENTITY, DUPLICATE_MESSAGE, ...) so the engine can react to
 * each; the rest are the vault's own. Browser-safe.
 */
import { CryptoErrorCode } from '@parley/crypto-core/errors';

export const VaultErrorCode = {
  /** No identity exists yet in this profile: create or restore one. */
  NoIdentity: 'NO_IDENTITY',
  /** An identity already exists in this profile. */
  IdentityExists: 'IDENTITY_EXISTS',
  /** The vault is locked: unlock it first. */
  Locked: 'LOCKED',
  /** An argument failed validation on the vault side. */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** The method does not exist. */
  UnknownMethod: 'UNKNOWN_METHOD',
  /** The caller is not allowed to call the vault (wrong sender, token or origin). */
  Forbidden: 'FORBIDDEN',
  /** The vault's files could not be read or written. */
  Storage: 'STORAGE',
  /**
   * The vault database was written by a newer version of the app (its schema
   * version is higher than this build knows): update the app. Nothing was
   * written to it.
   */
  VaultFromNewerVersion: 'VAULT_FROM_NEWER_VERSION',
  /**
   * A vault record does not open with the vault's key or does not parse (the
   * message names the record kind when it is known); the vault refuses to
   * unlock rather than run without it.
   */
  VaultDamaged: 'VAULT_DAMAGED',
  /**
   * A backup's setting record has a known key but a value of another shape
   * (common/backup-settings.ts): the restore is refused before anything is
   * imported.
   */
  InvalidBackupSetting: 'INVALID_BACKUP_SETTING',
  /**
   * A relay presented another trust root than the one pinned for it
   * (pinTrustRoot, setSenderCertificate): refused, the pin stays; the
   * message names the relay.
   */
  TrustRootChanged: 'TRUST_ROOT_CHANGED',
  /**
   * A sealed envelope whose sender certificate no pinned trust root
   * validates, from a sender whose profile names a relay not pinned yet
   * (the outcome's `unknownRelay`): nothing of it was kept; pin that relay's
   * trust root and decrypt it again.
   */
  UnknownSenderRelay: 'UNKNOWN_SENDER_RELAY',
  /**
   * relayRequest got no usable answer from another relay (no connection, a
   * timeout, a redirect, an answer too large or broken off): the engine
   * treats it as that relay being down.
   */
  RelayUnreachable: 'RELAY_UNREACHABLE',
  /**
   * A `sender-key` send named a distribution id that is no longer our
   * current one for the group (it was rotated since the item was queued):
   * nothing was sent; drop the item (the new key goes to whoever is still a
   * member).
   */
  StaleSenderKey: 'STALE_SENDER_KEY',
} as const;

export const ApiErrorCode = { ...CryptoErrorCode, ...VaultErrorCode } as const;
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];
