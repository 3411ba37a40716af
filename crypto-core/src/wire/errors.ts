/**
 * The relay's error catalogue (docs/relay.md §Errors). Every HTTP error body
 * and every failed socket acknowledgement carries one of these codes, so
 * clients branch on codes, never on message text. Browser-safe.
 */
import { z } from 'zod';
import { deviceIdSchema } from './primitives.js';

export const RelayErrorCode = {
  /** The request does not match its schema (wrong types, missing or unknown fields). */
  BadRequest: 'BAD_REQUEST',
  /** A body, frame or envelope is larger than the relay accepts. */
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  /** No token, or a token that is malformed, forged or for another relay. */
  Unauthorized: 'UNAUTHORIZED',
  /** The token was valid but has expired: fetch a new one. */
  TokenExpired: 'TOKEN_EXPIRED',
  /** Authenticated, but not allowed to do this (e.g. act as another account). */
  Forbidden: 'FORBIDDEN',
  /** A challenge is unknown, already used or expired. */
  ChallengeInvalid: 'CHALLENGE_INVALID',
  /** A signature over a challenge or prekey does not verify. */
  InvalidSignature: 'INVALID_SIGNATURE',
  /** The account id does not commit to the identity key presented with it. */
  AccountIdMismatch: 'ACCOUNT_ID_MISMATCH',
  /** No such account (or device) on this relay. */
  UnknownAccount: 'UNKNOWN_ACCOUNT',
  /**
   * The device was registered again by another install (a backup restored
   * elsewhere): this install's tokens, socket and logins are refused for
   * good. It must stop sending, receiving and acknowledging.
   */
  DeviceTakenOver: 'DEVICE_TAKEN_OVER',
  /** A send did not address exactly the recipient's current devices. */
  DeviceMismatch: 'DEVICE_MISMATCH',
  /** Too many requests of this kind: back off and retry later. */
  RateLimited: 'RATE_LIMITED',
  /** The route does not exist. */
  NotFound: 'NOT_FOUND',
  /** The relay is shutting down or its storage is unavailable: retry later. */
  Unavailable: 'UNAVAILABLE',
  /** A bug or an unexpected failure in the relay. */
  Internal: 'INTERNAL',
} as const;
export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode];

export const relayErrorCodeSchema = z.enum(Object.values(RelayErrorCode) as [RelayErrorCode, ...RelayErrorCode[]]);

export const relayErrorSchema = z.strictObject({
  code: relayErrorCodeSchema,
  message: z.string().max(1000),
  /** Seconds to wait before retrying (RATE_LIMITED, UNAVAILABLE). */
  retryAfter: z.number().int().min(0).optional(),
  /** DEVICE_MISMATCH: devices the sender must add (fetch their bundles)... */
  missingDevices: z.array(deviceIdSchema).optional(),
  /** ...and devices the sender addressed that no longer exist. */
  extraDevices: z.array(deviceIdSchema).optional(),
});
export type RelayError = z.infer<typeof relayErrorSchema>;

/** Body of every non-2xx HTTP response. */
export const errorResponseSchema = z.strictObject({ error: relayErrorSchema });
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
