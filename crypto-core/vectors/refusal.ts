/**
 * Records a refusal as the real code makes it: runs `attempt` and keeps the
 * error code it throws. An input the code accepts is a generator bug (the
 * vector would claim a refusal that does not happen), so it stops the run.
 */
import { ParleyCryptoError } from '../src/errors.js';
import type { Refusal } from './types.js';

export function refusalCode(attempt: () => unknown, what: string): string {
  try {
    attempt();
  } catch (error) {
    if (ParleyCryptoError.is(error)) return error.code;
    throw new Error(`${what}: threw something other than a ParleyCryptoError`, { cause: error });
  }
  throw new Error(`${what}: was accepted, but the vector says it is refused`);
}

export function refusal<I>(input: I, reason: string, attempt: (input: I) => unknown): Refusal<I> {
  return { input, error: refusalCode(() => attempt(input), reason), reason };
}
