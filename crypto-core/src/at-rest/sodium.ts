/**
 * The one place that loads libsodium (sumo build, for Argon2id). Both the
 * backup container and at-rest encryption go through here.
 *
 * Only the default import followed by `await sodium.ready` works at run time
 * (named imports typecheck but fail when run or bundled; see TOOLCHAIN.md).
 */
import sodium from 'libsodium-wrappers-sumo';
import { CryptoErrorCode, ParleyCryptoError } from '../errors.js';

export type Sodium = typeof sodium;

let loading: Promise<Sodium> | undefined;

/** libsodium, initialised. Safe to call often: the load happens once. */
export function loadSodium(): Promise<Sodium> {
  loading ??= sodium.ready.then(
    () => sodium,
    (error: unknown) => {
      // Let a later call try again instead of caching the failure forever.
      loading = undefined;
      throw new ParleyCryptoError(CryptoErrorCode.Internal, 'libsodium failed to initialise', error);
    },
  );
  return loading;
}

/** Wraps an unexpected libsodium exception (it throws plain Errors) in our typed error. */
export function sodiumFailure(operation: string, error: unknown): ParleyCryptoError<'INTERNAL'> {
  return new ParleyCryptoError(CryptoErrorCode.Internal, `libsodium ${operation} failed`, error);
}
