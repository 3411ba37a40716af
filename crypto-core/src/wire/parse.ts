/**
 * Validation at a trust boundary: check unknown input against a wire schema,
 * never letting a zod exception escape. `checkWire` reports a failure as a
 * one-line reason (for callers with their own error type, like the desktop
 * vault's dispatcher); `parseWire` throws it as a typed error.
 */
import type { z } from 'zod';
import { CryptoErrorCode, ParleyCryptoError } from '../errors.js';

export type WireCheck<T> =
  | { readonly ok: true; readonly value: T }
  | {
      readonly ok: false;
      /** " at a.b" naming the first offending field, or "" when the input as a whole is wrong. */
      readonly where: string;
      readonly message: string;
      readonly cause: unknown;
    };

export function checkWire<S extends z.ZodType>(schema: S, input: unknown): WireCheck<z.output<S>> {
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(input);
  } catch (error) {
    // zod's checks can throw on exotic inputs (a typed array with extra own
    // properties, as socket.io's binary parser can produce): still invalid input.
    return { ok: false, where: '', message: 'malformed input', cause: error };
  }
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, where, message: issue?.message ?? 'schema mismatch', cause: result.error };
}

export function parseWire<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const checked = checkWire(schema, input);
  if (checked.ok) return checked.value;
  throw new ParleyCryptoError(
    CryptoErrorCode.InvalidWireMessage,
    `invalid ${what}${checked.where}: ${checked.message}`,
    checked.cause,
  );
}
