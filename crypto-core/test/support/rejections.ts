/**
 * The typed error an operation failed with, for tests that check codes:
 * anything else thrown, or no failure at all, fails the test.
 */
import { ParleyCryptoError } from '../../src/errors.js';

export async function rejection(promise: Promise<unknown>): Promise<ParleyCryptoError> {
  try {
    await promise;
  } catch (error) {
    if (ParleyCryptoError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

export function syncRejection(run: () => unknown): ParleyCryptoError {
  try {
    run();
  } catch (error) {
    if (ParleyCryptoError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
