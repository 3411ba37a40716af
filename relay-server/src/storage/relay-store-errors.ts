/**
 * The storage layer's one error type, shaped like the relay's and
 * crypto-core's: a machine-readable `code`, a static `is()` guard that also
 * narrows by code, and `cause` always set. Callers branch on codes (e.g. the
 * server maps STORE_CLOSED to UNAVAILABLE), never on messages.
 */

export const RelayStoreErrorCode = {
  /** The database did not accept the durability settings asked for (read back differently). */
  DurabilityMismatch: 'DURABILITY_MISMATCH',
  /** A configuration value the store does not support (e.g. synchronous=OFF). */
  UnsupportedSetting: 'UNSUPPORTED_SETTING',
  /** The database was written by a newer relay (schema version above what this build knows). */
  SchemaTooNew: 'SCHEMA_TOO_NEW',
  /** A method was called before `init()` or after `close()`. */
  StoreClosed: 'STORE_CLOSED',
  /** The (account, device) addressed does not exist (e.g. prekeys uploaded for a deleted device). */
  UnknownDevice: 'UNKNOWN_DEVICE',
  /** An envelope id is already stored or appears twice in one batch; the batch was not committed. */
  DuplicateEnvelope: 'DUPLICATE_ENVELOPE',
  /** An argument the store cannot represent faithfully (non-canonical base64, a non-integer cursor). */
  InvalidInput: 'INVALID_INPUT',
  /** The one-time prekeys would exceed the device's limit; nothing was stored. */
  TooManyPreKeys: 'TOO_MANY_PREKEYS',
  /** A prekey id is stored (or given twice) with another public key; nothing was stored. */
  PreKeyIdConflict: 'PREKEY_ID_CONFLICT',
  /** A new account was refused: the policy admits none. */
  RegistrationClosed: 'REGISTRATION_CLOSED',
  /** A new account was refused: it needs an invite code and came without one. */
  InviteRequired: 'INVITE_REQUIRED',
  /** A new account was refused: its invite code is unknown, used or expired. */
  InviteInvalid: 'INVITE_INVALID',
  /**
   * The SQLite store's writer thread stopped (crashed or was killed) while
   * the call was in flight, or has not started again yet: the write may or
   * may not have committed, and no caller may treat it as done.
   */
  WriterStopped: 'WRITER_STOPPED',
  /** migrate-to-postgres: the target schema already holds relay data; nothing was copied. */
  MigrationTargetNotEmpty: 'MIGRATION_TARGET_NOT_EMPTY',
  /** migrate-to-postgres: a table's count differs after the copy; nothing was committed. */
  MigrationCountMismatch: 'MIGRATION_COUNT_MISMATCH',
} as const;

export type RelayStoreErrorCode = (typeof RelayStoreErrorCode)[keyof typeof RelayStoreErrorCode];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(RelayStoreErrorCode));

export interface RelayStoreErrorDetails {
  /** DUPLICATE_ENVELOPE: the offending envelope, so a caller may drop it and retry the rest of the batch. */
  readonly envelopeId?: string | undefined;
  /** DUPLICATE_ENVELOPE: its index in the batch. */
  readonly batchIndex?: number | undefined;
  /** TOO_MANY_PREKEYS, PREKEY_ID_CONFLICT: which kind of one-time prekey. */
  readonly keyKind?: PreKeyKind | undefined;
  /** PREKEY_ID_CONFLICT: the key id. */
  readonly keyId?: number | undefined;
  /** TOO_MANY_PREKEYS: how many the device may keep. */
  readonly limit?: number | undefined;
}

/** The two kinds of one-time prekey, named as in the wire's upload. */
export type PreKeyKind = 'preKeys' | 'kyberPreKeys';

export class RelayStoreError<C extends RelayStoreErrorCode = RelayStoreErrorCode> extends Error {
  override readonly name = 'RelayStoreError';
  readonly code: C;
  override readonly cause: unknown;
  readonly details: RelayStoreErrorDetails;

  constructor(code: C, message: string, cause?: unknown, details: RelayStoreErrorDetails = {}) {
    const effectiveCause = cause ?? new Error(message);
    super(message, { cause: effectiveCause });
    this.code = code;
    this.cause = effectiveCause;
    this.details = details;
  }

  /** True when `value` is a RelayStoreError, optionally with the given code (checks the shape across module copies). */
  static is<C extends RelayStoreErrorCode>(value: unknown, code?: C): value is RelayStoreError<C> {
    if (value === null || typeof value !== 'object') return false;
    const candidate = value as { name?: unknown; code?: unknown };
    if (!(value instanceof RelayStoreError)) {
      if (candidate.name !== 'RelayStoreError') return false;
      if (typeof candidate.code !== 'string' || !KNOWN_CODES.has(candidate.code)) return false;
    }
    return code === undefined || candidate.code === code;
  }
}

export function storeClosed(): RelayStoreError<'STORE_CLOSED'> {
  return new RelayStoreError(
    RelayStoreErrorCode.StoreClosed,
    'the relay store is not open (init() not called, or closed)',
  );
}

export function duplicateEnvelope(envelopeId: string, batchIndex: number, cause?: unknown): RelayStoreError {
  return new RelayStoreError(
    RelayStoreErrorCode.DuplicateEnvelope,
    `envelope ${envelopeId} (batch index ${batchIndex}) is already stored or repeated in the batch; nothing of the batch was committed`,
    cause,
    { envelopeId, batchIndex },
  );
}

export function unknownDevice(accountId: string, deviceId: number): RelayStoreError {
  return new RelayStoreError(
    RelayStoreErrorCode.UnknownDevice,
    `device ${deviceId} of account ${accountId} does not exist`,
  );
}

export function invalidInput(message: string): RelayStoreError {
  return new RelayStoreError(RelayStoreErrorCode.InvalidInput, message);
}

export function tooManyPreKeys(keyKind: PreKeyKind, limit: number): RelayStoreError {
  return new RelayStoreError(
    RelayStoreErrorCode.TooManyPreKeys,
    `the upload would leave the device more than ${limit} one-time ${keyKind}; nothing was stored`,
    undefined,
    { keyKind, limit },
  );
}

export function preKeyIdConflict(keyKind: PreKeyKind, keyId: number): RelayStoreError {
  return new RelayStoreError(
    RelayStoreErrorCode.PreKeyIdConflict,
    `${keyKind} id ${keyId} is already stored with another key; nothing was stored`,
    undefined,
    { keyKind, keyId },
  );
}

/** The refusal of a new account under `policy` (closed, or invite without a usable code). */
export function accountRefused(code: 'REGISTRATION_CLOSED' | 'INVITE_REQUIRED' | 'INVITE_INVALID'): RelayStoreError {
  const messages = {
    REGISTRATION_CLOSED: 'this relay registers no new accounts',
    INVITE_REQUIRED: 'a new account on this relay needs an invite code',
    INVITE_INVALID: 'the invite code is unknown, already used or expired',
  } as const;
  return new RelayStoreError(code, messages[code]);
}

export function writerStopped(reason: string, cause?: unknown): RelayStoreError<'WRITER_STOPPED'> {
  return new RelayStoreError(RelayStoreErrorCode.WriterStopped, `the SQLite writer thread stopped: ${reason}`, cause);
}
