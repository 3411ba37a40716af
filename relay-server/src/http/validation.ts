/**
 * Request validation against the wire schemas. Failures become BAD_REQUEST
 * whose message names the offending field (parseWire's "invalid X at a.b:
 * reason"); the value itself is never echoed, since it may be a key or a
 * ciphertext.
 */
import { CryptoErrorCode, ParleyCryptoError } from '@parley/crypto-core/errors';
import { accountIdSchema, deviceIdSchema, parseWire } from '@parley/crypto-core/wire';
import { RelayErrorCode, RelayServerError } from '../errors.js';

type WireSchema = Parameters<typeof parseWire>[0];

/** `schema`'s output for `input`, or BAD_REQUEST naming the first problem. */
export function parseRequest<S extends WireSchema>(
  schema: S,
  input: unknown,
  what: string,
): ReturnType<typeof parseWire<S>> {
  try {
    return parseWire(schema, input, what);
  } catch (error) {
    if (ParleyCryptoError.is(error, CryptoErrorCode.InvalidWireMessage)) {
      throw new RelayServerError(RelayErrorCode.BadRequest, error.message, error);
    }
    throw error;
  }
}

/** An account id from a URL path segment. */
export function parseAccountIdParam(value: unknown) {
  return parseRequest(accountIdSchema, value, 'account id in the path');
}

/** A device id from a URL path segment (decimal text, 1..127). */
export function parseDeviceIdParam(value: unknown): number {
  const number = typeof value === 'string' && /^[1-9]\d{0,2}$/.test(value) ? Number(value) : Number.NaN;
  return parseRequest(deviceIdSchema, number, 'device id in the path');
}
