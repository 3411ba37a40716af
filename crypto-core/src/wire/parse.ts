/**
 * Validation at a trust boundary: parse unknown input against a wire schema
 * and turn failure into a typed error, never a zod exception.
 */
import type { z } from 'zod';
import { CryptoErrorCode, ParleyCryptoError } from '../errors.js';

export function parseWire<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(input);
  } catch (error) {
    // zod's checks can throw on exotic inputs (a typed array with extra own
    // properties, as socket.io's binary parser can produce): still invalid input.
    throw new ParleyCryptoError(CryptoErrorCode.InvalidWireMessage, `invalid ${what}`, error);
  }
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new ParleyCryptoError(
    CryptoErrorCode.InvalidWireMessage,
    `invalid ${what}${where}: ${issue?.message ?? 'schema mismatch'}`,
    result.error,
  );
}
