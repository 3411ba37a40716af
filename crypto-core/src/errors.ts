/**
 * One error type for the whole package, modelled on libsignal's Node bindings:
 * a machine-readable `code`, a static `is()` guard that also narrows by code,
 * and `cause` always set (to the underlying error, or to a description of what
 * was wrong with the input when nothing was thrown underneath).
 *
 * Browser-safe: no native or Node-only imports.
 */

export const CryptoErrorCode = {
  /** Input bytes or text do not parse (bad length, bad encoding, bad schema). */
  InvalidEncoding: 'INVALID_ENCODING',
  /** An account id does not match the identity key it is presented with. */
  AccountIdMismatch: 'ACCOUNT_ID_MISMATCH',
  /** A contact code is not a well-formed Parley contact code. */
  InvalidContactCode: 'INVALID_CONTACT_CODE',
  /** A signature (signed prekey, Kyber prekey, challenge) does not verify. */
  InvalidSignature: 'INVALID_SIGNATURE',
  /** A prekey bundle is malformed or inconsistent. */
  InvalidBundle: 'INVALID_BUNDLE',
  /**
   * A message, or the sender certificate of a sealed one, presents an identity
   * key that its account id does not commit to. Ids are hashes of keys, so this
   * is never a key change: it is a forgery, and only the relay (which names
   * senders and signs certificates) can make one.
   */
  ForgedIdentity: 'FORGED_IDENTITY',
  /** A message was already decrypted once (replay or duplicate delivery). */
  DuplicateMessage: 'DUPLICATE_MESSAGE',
  /** A ciphertext fails to authenticate or decrypt. */
  InvalidMessage: 'INVALID_MESSAGE',
  /** No session exists with the remote address. */
  NoSession: 'NO_SESSION',
  /** A prekey referenced by a message is not (or no longer) in the store. */
  InvalidKeyId: 'INVALID_KEY_ID',
  /** A sealed-sender certificate is expired, forged or under another root. */
  InvalidCertificate: 'INVALID_CERTIFICATE',
  /** A group message arrived without the sender's key distribution. */
  NoSenderKey: 'NO_SENDER_KEY',
  /** A safety-number comparison failed to parse or belongs to other keys. */
  FingerprintMismatch: 'FINGERPRINT_MISMATCH',
  /** Plaintext content (after unpadding) is not valid content. */
  InvalidContent: 'INVALID_CONTENT',
  /** Content is larger than the largest padding bucket. */
  ContentTooLarge: 'CONTENT_TOO_LARGE',
  /** A backup cannot be opened with the passphrase given. */
  BadPassphrase: 'BAD_PASSPHRASE',
  /** A backup is truncated, reordered, tampered with or otherwise damaged. */
  CorruptBackup: 'CORRUPT_BACKUP',
  /** A backup uses a format version or parameters this build does not know. */
  UnsupportedBackup: 'UNSUPPORTED_BACKUP',
  /**
   * A signed group change is malformed: its body breaks the change schema, it
   * belongs to another group, or a create's group id does not commit to its
   * author (docs/protocol.md §10).
   */
  InvalidGroupChange: 'INVALID_GROUP_CHANGE',
  /** A group change reuses the id of a change already held, with other bytes. */
  GroupChangeConflict: 'GROUP_CHANGE_CONFLICT',
  /** A group change its author may not make in the group's current state (rights, membership). */
  GroupChangeNotAllowed: 'GROUP_CHANGE_NOT_ALLOWED',
  /** A group change, or a group's history, would pass a limit (members, sizes, changes). */
  GroupLimit: 'GROUP_LIMIT',
  /** An attachment blob ends before the length its pointer implies (an interrupted or cut download). */
  AttachmentTruncated: 'ATTACHMENT_TRUNCATED',
  /**
   * An attachment blob fails to authenticate under its pointer's key: a
   * changed byte, extra bytes, bad padding, or the wrong key.
   */
  AttachmentTampered: 'ATTACHMENT_TAMPERED',
  /** An authentic attachment blob whose SHA-256 is not the digest its pointer names. */
  AttachmentDigestMismatch: 'ATTACHMENT_DIGEST_MISMATCH',
  /** A wire message fails its schema. */
  InvalidWireMessage: 'INVALID_WIRE_MESSAGE',
  /** Anything from libsignal/libsodium that maps to none of the above. */
  Internal: 'INTERNAL',
} as const;

export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

const KNOWN_CODES: ReadonlySet<string> = new Set(Object.values(CryptoErrorCode));

export class ParleyCryptoError<C extends CryptoErrorCode = CryptoErrorCode> extends Error {
  override readonly name = 'ParleyCryptoError';
  readonly code: C;
  override readonly cause: unknown;

  constructor(code: C, message: string, cause: unknown) {
    super(message, { cause });
    this.code = code;
    this.cause = cause;
  }

  /**
   * True when `value` is a ParleyCryptoError, optionally with the given code.
   * Works across module copies (checks the shape, not only the prototype).
   */
  static is<C extends CryptoErrorCode>(value: unknown, code?: C): value is ParleyCryptoError<C> {
    if (value === null || typeof value !== 'object') return false;
    const candidate = value as { name?: unknown; code?: unknown };
    if (!(value instanceof ParleyCryptoError)) {
      if (candidate.name !== 'ParleyCryptoError') return false;
      if (typeof candidate.code !== 'string' || !KNOWN_CODES.has(candidate.code)) return false;
    }
    return code === undefined || candidate.code === code;
  }
}

/** Shorthand for the common case of rejecting input without an underlying exception. */
export function invalidInput<C extends CryptoErrorCode>(
  code: C,
  message: string,
  detail?: unknown,
): ParleyCryptoError<C> {
  return new ParleyCryptoError(code, message, detail ?? new Error(message));
}
