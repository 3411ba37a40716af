/**
 * Errors raised inside store callbacks. libsignal calls our stores from native
 * code and, when one throws, reports only `error in method call '<name>':
 * <String(error)>`; the original object is lost. So a callback that wants a
 * specific ParleyCryptoError code writes it into the message as a marker that
 * the error mapper (signal/errors-map.ts) reads back. The marker travels with
 * the message, so concurrent operations cannot mix their errors up.
 */
import { type CryptoErrorCode, ParleyCryptoError } from '../errors.js';

const MARKER = /\[parley:([A-Z_]+)\]/;

/** A ParleyCryptoError whose code survives a trip through libsignal's callback bridge. */
export function storeCallbackError(code: CryptoErrorCode, message: string, cause?: unknown): ParleyCryptoError {
  const text = `${message} [parley:${code}]`;
  return new ParleyCryptoError(code, text, cause ?? new Error(text));
}

/** The code a store callback marked its error with, if the message carries one. */
export function markedCode(message: string): string | undefined {
  return MARKER.exec(message)?.[1];
}
