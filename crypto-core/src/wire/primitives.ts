/**
 * Building blocks of every wire schema. All byte fields travel as canonical
 * standard base64 strings; all objects are strict (unknown keys are refused),
 * so nothing unexpected reaches a store. Browser-safe.
 */
import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, type AccountId } from '../address/account-id.js';
import { BASE64_PATTERN, base64SpareBitsZero } from '../encoding.js';

/** Version of the wire protocol described by this module (docs/protocol.md §Wire). */
export const WIRE_VERSION = 1;

/** Characters of canonical base64 for `bytes` bytes. */
export function base64Chars(bytes: number): number {
  return Math.ceil(bytes / 3) * 4;
}

/**
 * Bytes that padded base64 text of this length decodes to, from its length
 * and padding alone (no decoding): exact for canonical base64, and for any
 * other text the length it would have if it were.
 */
export function base64DecodedLength(value: string): number {
  const padding = value.endsWith('==') ? 2 : value.endsWith('=') ? 1 : 0;
  return Math.floor(value.length / 4) * 3 - padding;
}

/** Base64 text whose decoded length lies in [min, max] bytes. */
export function base64Bytes(min: number, max: number) {
  return z
    .string()
    .min(base64Chars(min))
    .max(base64Chars(max))
    .regex(BASE64_PATTERN, 'must be canonical base64')
    .refine(base64SpareBitsZero, 'must be canonical base64 (spare bits zero)')
    .refine(
      (value) => {
        const length = base64DecodedLength(value);
        return length >= min && length <= max;
      },
      `must decode to ${min === max ? `${min}` : `${min}..${max}`} bytes`,
    )
    .meta({ contentEncoding: 'base64', description: `${min === max ? `${min}` : `${min}–${max}`} bytes` });
}

export const accountIdSchema = z
  .string()
  .regex(ACCOUNT_ID_PATTERN, 'must be a Parley account id')
  .transform((value) => value as AccountId);

/** libsignal device ids are 1..127. */
export const MAX_DEVICE_ID = 127;
export const deviceIdSchema = z.number().int().min(1).max(MAX_DEVICE_ID);

/** Signal registration ids are 14-bit, never 0. */
export const registrationIdSchema = z.number().int().min(1).max(0x3fff);

/** Prekey ids are 24-bit, never 0 (0 means "none" in several places). */
export const MAX_PREKEY_ID = 0xffffff;
export const preKeyIdSchema = z.number().int().min(1).max(MAX_PREKEY_ID);

/** Milliseconds since the Unix epoch. */
export const timestampSchema = z.number().int().min(0).max(8.64e15);

export const identityKeySchema = base64Bytes(33, 33);
export const ecPublicKeySchema = base64Bytes(33, 33);
/** ML-KEM-1024 public key as libsignal serializes it (type byte + 1568). */
export const kyberPublicKeySchema = base64Bytes(1569, 1569);
export const signatureSchema = base64Bytes(64, 64);

/**
 * One install of a client: random bytes the client makes when it creates or
 * restores an identity and shows only to its relays. A registration from
 * another installation id takes the device over (docs/protocol.md §3.1).
 */
export const INSTALLATION_ID_BYTES = 16;
export const installationIdSchema = base64Bytes(INSTALLATION_ID_BYTES, INSTALLATION_ID_BYTES);

/** Envelope ids are UUIDs (v7 from the relay, time-ordered). */
export const envelopeIdSchema = z.uuid();

export const deviceAddressSchema = z.strictObject({
  accountId: accountIdSchema,
  deviceId: deviceIdSchema,
});
export type DeviceAddress = z.infer<typeof deviceAddressSchema>;
