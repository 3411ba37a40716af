/**
 * Challenge-response authentication (docs/protocol.md §Authentication).
 * The client proves possession of its identity key by signing a single-use
 * relay challenge; the signed bytes are domain-separated by purpose so a
 * signature made to log in can never register, and vice versa, and bound to
 * the relay the client is talking to, so a relay cannot pass on a challenge of
 * another relay and replay the answer there. Browser-safe.
 */
import { z } from 'zod';
import { normalizeRelayUrl } from '../address/contact-code.js';
import { concatBytes, utf8 } from '../encoding.js';
import { kyberPreKeySchema, preKeyUploadSchema, signedPreKeySchema } from './keys.js';
import {
  accountIdSchema,
  base64Bytes,
  deviceIdSchema,
  identityKeySchema,
  installationIdSchema,
  registrationIdSchema,
  signatureSchema,
  timestampSchema,
} from './primitives.js';

export const CHALLENGE_BYTES = 32;
export type AuthPurpose = 'register' | 'token';

export const challengeRequestSchema = z.strictObject({
  accountId: accountIdSchema,
  deviceId: deviceIdSchema,
});
export type ChallengeRequest = z.infer<typeof challengeRequestSchema>;

export const challengeResponseSchema = z.strictObject({
  challenge: base64Bytes(CHALLENGE_BYTES, CHALLENGE_BYTES),
  expiresAt: timestampSchema,
});
export type ChallengeResponse = z.infer<typeof challengeResponseSchema>;

/**
 * The exact bytes an identity key signs:
 *   "parley-auth-v1" 0x00 purpose 0x00 relayUrl 0x00 accountId 0x00 deviceId(decimal) 0x00 challenge
 *
 * `relayUrl` is the URL the client itself chose to talk to (its contact
 * code's relay), canonicalised by `normalizeRelayUrl`, never one a relay
 * announced: like WebAuthn's origin, it is what stops a malicious relay from
 * relaying another relay's challenge to its own users and replaying their
 * answers there. Canonicalising means both sides derive the same bytes from
 * `https://Relay.example.org/` and `https://relay.example.org`. No field can
 * contain 0x00 (a canonical URL percent-encodes it), so the layout is
 * unambiguous. Throws INVALID_CONTACT_CODE for a URL that is not an
 * acceptable relay URL.
 */
export function authSignedMessage(
  purpose: AuthPurpose,
  relayUrl: string,
  accountId: string,
  deviceId: number,
  challenge: Uint8Array,
) {
  const zero = new Uint8Array([0]);
  return concatBytes(
    utf8('parley-auth-v1'),
    zero,
    utf8(purpose),
    zero,
    utf8(normalizeRelayUrl(relayUrl)),
    zero,
    utf8(accountId),
    zero,
    utf8(String(deviceId)),
    zero,
    challenge,
  );
}

/**
 * An invite code as the user typed or pasted it. The relay ignores case,
 * spaces and dashes (its codes are 20 base32 characters shown in groups of
 * five); anything else simply matches no code.
 */
export const inviteCodeSchema = z.string().min(1).max(64);

/**
 * Registers (or re-registers, replacing its keys) one device of an account.
 * `installationId` names the install registering: another one than the
 * device's current install takes the device over (docs/protocol.md §3.1).
 * `inviteCode` is needed only to create an account on a relay whose policy is
 * `invite` (GET /v1/registration); devices of an existing account never need
 * one, so a restore that takes a device over needs none. It is not covered by
 * the signature: it admits an account, it does not identify one.
 */
export const registerRequestSchema = z.strictObject({
  accountId: accountIdSchema,
  deviceId: deviceIdSchema,
  installationId: installationIdSchema,
  registrationId: registrationIdSchema,
  identityKey: identityKeySchema,
  challenge: base64Bytes(CHALLENGE_BYTES, CHALLENGE_BYTES),
  signature: signatureSchema,
  signedPreKey: signedPreKeySchema,
  lastResortKyberPreKey: kyberPreKeySchema,
  preKeys: preKeyUploadSchema.shape.preKeys,
  kyberPreKeys: preKeyUploadSchema.shape.kyberPreKeys,
  inviteCode: inviteCodeSchema.optional(),
});
export type RegisterRequest = z.input<typeof registerRequestSchema>;

/**
 * Logs a device in. `installationId` must be the device's current install:
 * an install whose device was taken over holds the identity key still, and
 * this is what keeps it from logging in again (DEVICE_TAKEN_OVER).
 */
export const tokenRequestSchema = z.strictObject({
  accountId: accountIdSchema,
  deviceId: deviceIdSchema,
  installationId: installationIdSchema,
  challenge: base64Bytes(CHALLENGE_BYTES, CHALLENGE_BYTES),
  signature: signatureSchema,
});
export type TokenRequest = z.infer<typeof tokenRequestSchema>;

/** Answer to registration and to a token request: a short-lived bearer token. */
export const tokenResponseSchema = z.strictObject({
  accountId: accountIdSchema,
  deviceId: deviceIdSchema,
  token: z.string().min(1).max(4096),
  expiresAt: timestampSchema,
});
export type TokenResponse = z.infer<typeof tokenResponseSchema>;
