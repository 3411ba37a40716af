/**
 * Argon2id (libsodium `crypto_pwhash`, ALG_ARGON2ID13) key derivation from a
 * passphrase, shared by the at-rest vault key and the backup container.
 *
 * Cost: in libsodium's WASM build, INTERACTIVE takes ~0.2-0.5 s and MODERATE
 * ~1.2-1.8 s, and the WASM heap keeps its peak size (the memlimit plus
 * overhead) for the life of the JS realm. Derive in a short-lived worker when
 * that memory matters (see TOOLCHAIN.md).
 */
import { type Bytes, bytes, utf8 } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { loadSodium, sodiumFailure } from './sodium.js';

/** Argon2id cost parameters, in libsodium's units: passes, and memory in bytes. */
export interface Argon2idParams {
  readonly opsLimit: number;
  readonly memLimit: number;
}

const MIB = 1024 * 1024;

/** libsodium's crypto_pwhash_*_INTERACTIVE: 2 passes, 64 MiB. For tests and low-value keys. */
export const ARGON2ID_INTERACTIVE: Argon2idParams = Object.freeze({ opsLimit: 2, memLimit: 64 * MIB });
/** libsodium's crypto_pwhash_*_MODERATE: 3 passes, 256 MiB (~1.2 s here). The default for exports and vaults. */
export const ARGON2ID_MODERATE: Argon2idParams = Object.freeze({ opsLimit: 3, memLimit: 256 * MIB });
/** libsodium's crypto_pwhash_*_SENSITIVE: 4 passes, 1 GiB. The most we accept. */
export const ARGON2ID_SENSITIVE: Argon2idParams = Object.freeze({ opsLimit: 4, memLimit: 1024 * MIB });

/**
 * Parameters accepted when reading them from storage or a file. The floor is
 * INTERACTIVE (weaker keys are refused); the ceiling keeps a hostile file from
 * exhausting memory (1 GiB) or pinning a CPU for minutes (8 passes).
 */
export const ARGON2ID_BOUNDS = Object.freeze({
  minOpsLimit: ARGON2ID_INTERACTIVE.opsLimit,
  maxOpsLimit: 8,
  minMemLimit: ARGON2ID_INTERACTIVE.memLimit,
  maxMemLimit: ARGON2ID_SENSITIVE.memLimit,
});

/** crypto_pwhash_SALTBYTES. */
export const ARGON2ID_SALT_BYTES = 16;
/** All symmetric keys here are 256-bit. */
export const SYMMETRIC_KEY_BYTES = 32;

/** Why the parameters are out of bounds, or undefined when they are acceptable. */
export function argon2idParamsProblem(params: Argon2idParams): string | undefined {
  const { opsLimit, memLimit } = params;
  if (!Number.isSafeInteger(opsLimit) || opsLimit < ARGON2ID_BOUNDS.minOpsLimit) {
    return `opsLimit must be an integer >= ${ARGON2ID_BOUNDS.minOpsLimit}`;
  }
  if (opsLimit > ARGON2ID_BOUNDS.maxOpsLimit) return `opsLimit must be <= ${ARGON2ID_BOUNDS.maxOpsLimit}`;
  if (!Number.isSafeInteger(memLimit) || memLimit < ARGON2ID_BOUNDS.minMemLimit) {
    return `memLimit must be an integer >= ${ARGON2ID_BOUNDS.minMemLimit} bytes`;
  }
  if (memLimit > ARGON2ID_BOUNDS.maxMemLimit) return `memLimit must be <= ${ARGON2ID_BOUNDS.maxMemLimit} bytes`;
  // Argon2 counts memory in KiB; a non-multiple would be silently rounded down.
  if (memLimit % 1024 !== 0) return 'memLimit must be a multiple of 1024 bytes';
  return undefined;
}

/** Throws `code` unless the parameters lie within ARGON2ID_BOUNDS. */
export function assertArgon2idParams(params: Argon2idParams, code: CryptoErrorCode): void {
  const problem = argon2idParamsProblem(params);
  if (problem !== undefined) throw invalidInput(code, `Argon2id parameters out of bounds: ${problem}`, { params });
}

/**
 * Passphrase text is NFC-normalised before UTF-8 encoding, so the same
 * passphrase typed on systems that compose characters differently derives the
 * same key. Bytes are used as given.
 */
export function passphraseBytes(passphrase: string | Uint8Array): Uint8Array {
  if (typeof passphrase === 'string') return utf8(passphrase.normalize('NFC'));
  if (passphrase instanceof Uint8Array) return passphrase;
  throw invalidInput(CryptoErrorCode.BadPassphrase, 'passphrase must be a string or bytes');
}

/** A fresh random Argon2id salt (16 bytes). */
export async function generateSalt(): Promise<Bytes> {
  const sodium = await loadSodium();
  return bytes(sodium.randombytes_buf(ARGON2ID_SALT_BYTES));
}

/**
 * A 32-byte key from a passphrase with Argon2id v1.3. Deterministic for the
 * same passphrase, salt and parameters. Empty passphrases are refused
 * (BAD_PASSPHRASE); parameters outside ARGON2ID_BOUNDS or a salt that is not
 * 16 bytes are refused (INVALID_ENCODING).
 */
export async function deriveKeyFromPassphrase(
  passphrase: string | Uint8Array,
  salt: Uint8Array,
  params: Argon2idParams,
): Promise<Bytes> {
  return argon2id(passphrase, salt, params, CryptoErrorCode.InvalidEncoding);
}

/** deriveKeyFromPassphrase with the error code for bad parameters chosen by the caller. */
export async function argon2id(
  passphrase: string | Uint8Array,
  salt: Uint8Array,
  params: Argon2idParams,
  badParamsCode: CryptoErrorCode,
): Promise<Bytes> {
  const secret = passphraseBytes(passphrase);
  if (secret.byteLength === 0) throw invalidInput(CryptoErrorCode.BadPassphrase, 'passphrase must not be empty');
  if (!(salt instanceof Uint8Array) || salt.byteLength !== ARGON2ID_SALT_BYTES) {
    throw invalidInput(badParamsCode, `Argon2id salt must be ${ARGON2ID_SALT_BYTES} bytes`);
  }
  assertArgon2idParams(params, badParamsCode);
  const sodium = await loadSodium();
  try {
    return bytes(
      sodium.crypto_pwhash(
        SYMMETRIC_KEY_BYTES,
        secret,
        salt,
        params.opsLimit,
        params.memLimit,
        sodium.crypto_pwhash_ALG_ARGON2ID13,
      ),
    );
  } catch (error) {
    if (ParleyCryptoError.is(error)) throw error;
    // libsodium throws when it cannot allocate memLimit bytes.
    throw sodiumFailure('crypto_pwhash (Argon2id)', error);
  }
}
