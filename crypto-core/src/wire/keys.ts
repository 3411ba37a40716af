/** Prekey upload and bundle shapes (docs/protocol.md §Prekeys). Browser-safe. */
import { z } from 'zod';
import {
  accountIdSchema,
  deviceIdSchema,
  ecPublicKeySchema,
  identityKeySchema,
  kyberPublicKeySchema,
  preKeyIdSchema,
  registrationIdSchema,
  signatureSchema,
} from './primitives.js';

/** Most one-time prekeys (EC or Kyber) accepted in one upload. */
export const MAX_PREKEYS_PER_UPLOAD = 200;

export const signedPreKeySchema = z.strictObject({
  keyId: preKeyIdSchema,
  publicKey: ecPublicKeySchema,
  signature: signatureSchema,
});
export type SignedPreKeyWire = z.infer<typeof signedPreKeySchema>;

export const oneTimePreKeySchema = z.strictObject({
  keyId: preKeyIdSchema,
  publicKey: ecPublicKeySchema,
});
export type OneTimePreKeyWire = z.infer<typeof oneTimePreKeySchema>;

export const kyberPreKeySchema = z.strictObject({
  keyId: preKeyIdSchema,
  publicKey: kyberPublicKeySchema,
  signature: signatureSchema,
});
export type KyberPreKeyWire = z.infer<typeof kyberPreKeySchema>;

/** One-time prekeys of one kind in one upload: at most 200, each key id once. */
function oneTimeKeyList<S extends z.ZodType<{ keyId: number }>>(key: S) {
  return z
    .array(key)
    .max(MAX_PREKEYS_PER_UPLOAD)
    .refine((keys) => new Set(keys.map((k) => k.keyId)).size === keys.length, 'each key id may appear once')
    .default([]);
}

/** What a device publishes: everything a peer needs to start a PQXDH session. */
export const preKeyUploadSchema = z.strictObject({
  signedPreKey: signedPreKeySchema.optional(),
  lastResortKyberPreKey: kyberPreKeySchema.optional(),
  preKeys: oneTimeKeyList(oneTimePreKeySchema),
  kyberPreKeys: oneTimeKeyList(kyberPreKeySchema),
});
export type PreKeyUpload = z.infer<typeof preKeyUploadSchema>;

/**
 * One device's public bundle as a relay hands it out: at most one one-time EC
 * prekey (absent when none is left), and one Kyber prekey (a one-time one, or
 * the last-resort key when none is left).
 */
export const preKeyBundleSchema = z.strictObject({
  accountId: accountIdSchema,
  deviceId: deviceIdSchema,
  registrationId: registrationIdSchema,
  identityKey: identityKeySchema,
  signedPreKey: signedPreKeySchema,
  preKey: oneTimePreKeySchema.nullable(),
  kyberPreKey: kyberPreKeySchema,
});
export type PreKeyBundleWire = z.infer<typeof preKeyBundleSchema>;

/** All devices of an account, as the bundle-fetch endpoint returns them. */
export const preKeyBundlesResponseSchema = z.strictObject({
  accountId: accountIdSchema,
  bundles: z.array(preKeyBundleSchema).min(1).max(127),
});
export type PreKeyBundlesResponse = z.infer<typeof preKeyBundlesResponseSchema>;

export const preKeyCountResponseSchema = z.strictObject({
  preKeys: z.number().int().min(0),
  kyberPreKeys: z.number().int().min(0),
});
export type PreKeyCountResponse = z.infer<typeof preKeyCountResponseSchema>;
