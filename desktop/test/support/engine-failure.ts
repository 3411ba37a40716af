/** The EngineError a promise rejects with; anything else (or a resolution) fails the test. */
import { EngineError } from '../../src/renderer/engine/errors.js';

export async function engineFailure(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!EngineError.is(error)) throw new Error(`expected an EngineError, got ${String(error)}`);
  return error;
}
