/**
 * The relay's error catalogue (docs/relay.md §Errors). Every HTTP error body
 * and every failed socket acknowledgement carries one of these codes, so
 * clients branch on codes, never on message text. Browser-safe.
 */
import { z } from 'zod';
import { MAX_MULTI_RECIPIENTS, recipientDeviceMismatchSchema } from './multi-recipient.js';
import { accountIdSchema, deviceIdSchema } from './primitives.js';

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
  /**
   * A send or bundle fetch did not present a valid access key of the account
   * it addresses (docs/protocol.md §Reaching an account). Unauthenticated
   * requests get it for accounts that do not exist too.
   */
  AccessDenied: 'ACCESS_DENIED',
  /** No such account (or device) on this relay. */
  UnknownAccount: 'UNKNOWN_ACCOUNT',
  /**
   * The device was registered again by another install (a backup restored
   * elsewhere): this install's tokens, socket and logins are refused for
   * good. It must stop sending, receiving and acknowledging.
   */
  DeviceTakenOver: 'DEVICE_TAKEN_OVER',
  /**
   * A send did not address exactly the recipient's current devices (a
   * multi-recipient send: some recipient's, or with a stale registration id;
   * `mismatches` says whose).
   */
  DeviceMismatch: 'DEVICE_MISMATCH',
  /** Too many requests of this kind: back off and retry later. */
  RateLimited: 'RATE_LIMITED',
  /** Too many open connections from this client address: close some, then retry. */
  TooManyConnections: 'TOO_MANY_CONNECTIONS',
  /**
   * A recipient device has as many undelivered envelopes (or bytes) queued as
   * the relay keeps: nothing of the send was stored. Names the recipient and
   * `fullDevices`; retry once the recipient has fetched its queue.
   */
  QueueFull: 'QUEUE_FULL',
  /** The sending account used up its daily byte quota: nothing was stored; retry after `retryAfter` seconds. */
  QuotaExceeded: 'QUOTA_EXCEEDED',
  /** The upload would leave the device more one-time prekeys (EC or Kyber) than the relay keeps: nothing was stored. */
  TooManyPreKeys: 'TOO_MANY_PREKEYS',
  /** A prekey id the device already stored holds another key: nothing was stored (re-uploading the same key is fine). */
  PreKeyIdConflict: 'PREKEY_ID_CONFLICT',
  /** A public key is not a usable Curve25519 or Kyber key (wrong type, small order, out-of-range coefficients). */
  InvalidKey: 'INVALID_KEY',
  /** Registering a new account on this relay needs an invite code, and the request had none. */
  InviteRequired: 'INVITE_REQUIRED',
  /** The invite code is unknown, already used or expired. */
  InviteInvalid: 'INVITE_INVALID',
  /** This relay registers no new accounts (existing accounts may still re-register their devices). */
  RegistrationClosed: 'REGISTRATION_CLOSED',
  /**
   * A tus PATCH named an `Upload-Offset` other than the upload's current one
   * (another PATCH got there first, or the client lost track): HEAD the
   * upload and resume from the offset it answers.
   */
  UploadOffsetMismatch: 'UPLOAD_OFFSET_MISMATCH',
  /** A blob download's `Range` starts at or after the blob's end (the answer's `Content-Range` gives its length). */
  RangeNotSatisfiable: 'RANGE_NOT_SATISFIABLE',
  /** The route does not exist, or (attachments) no such blob, or not finished, or expired. */
  NotFound: 'NOT_FOUND',
  /** The relay is shutting down or its storage is unavailable: retry later. */
  Unavailable: 'UNAVAILABLE',
  /** A bug or an unexpected failure in the relay. */
  Internal: 'INTERNAL',
} as const;
export type RelayErrorCode = (typeof RelayErrorCode)[keyof typeof RelayErrorCode];

/**
 * The HTTP status of each code: one status per code keeps clients simple.
 * The relay answers with it on HTTP; socket acknowledgements carry the code
 * alone. Exceptions, both BAD_REQUEST: 415 for a body that is not JSON, and
 * the HTTP parser's own 4xx status for a request it cannot parse.
 */
export const RELAY_ERROR_HTTP_STATUS: Readonly<Record<RelayErrorCode, number>> = {
  BAD_REQUEST: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHORIZED: 401,
  TOKEN_EXPIRED: 401,
  FORBIDDEN: 403,
  CHALLENGE_INVALID: 401,
  INVALID_SIGNATURE: 401,
  ACCOUNT_ID_MISMATCH: 400,
  ACCESS_DENIED: 401,
  UNKNOWN_ACCOUNT: 404,
  DEVICE_TAKEN_OVER: 401,
  DEVICE_MISMATCH: 409,
  RATE_LIMITED: 429,
  TOO_MANY_CONNECTIONS: 429,
  QUEUE_FULL: 409,
  QUOTA_EXCEEDED: 429,
  TOO_MANY_PREKEYS: 409,
  PREKEY_ID_CONFLICT: 409,
  INVALID_KEY: 400,
  INVITE_REQUIRED: 403,
  INVITE_INVALID: 403,
  REGISTRATION_CLOSED: 403,
  UPLOAD_OFFSET_MISMATCH: 409,
  RANGE_NOT_SATISFIABLE: 416,
  NOT_FOUND: 404,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export const relayErrorCodeSchema = z.enum(Object.values(RelayErrorCode) as [RelayErrorCode, ...RelayErrorCode[]]);

export const relayErrorSchema = z.strictObject({
  code: relayErrorCodeSchema,
  message: z.string().max(1000),
  /** Seconds to wait before retrying (RATE_LIMITED, QUOTA_EXCEEDED, UNAVAILABLE). */
  retryAfter: z.number().int().min(0).optional(),
  /** DEVICE_MISMATCH: devices the sender must add (fetch their bundles)... */
  missingDevices: z.array(deviceIdSchema).optional(),
  /** ...and devices the sender addressed that no longer exist. */
  extraDevices: z.array(deviceIdSchema).optional(),
  /**
   * QUEUE_FULL: the recipient of the refused send (the first one whose queue
   * is full, on a multi-recipient send)... On a multi-recipient send also
   * with ACCESS_DENIED and UNKNOWN_ACCOUNT: the first recipient refused.
   */
  recipient: accountIdSchema.optional(),
  /** ...and which of its devices have no room. */
  fullDevices: z.array(deviceIdSchema).optional(),
  /**
   * INVALID_SIGNATURE over a challenge: the relay's own URLs (canonical), one
   * of which the signature must name. A client that used another address
   * (a relay with --public-url reached by its listen address) says which.
   */
  relayUrls: z.array(z.string().min(1).max(2048)).max(32).optional(),
  /** DEVICE_MISMATCH of a multi-recipient send: every recipient whose devices the upload does not match. */
  mismatches: z.array(recipientDeviceMismatchSchema).max(MAX_MULTI_RECIPIENTS).optional(),
});
export type RelayError = z.infer<typeof relayErrorSchema>;

/** Body of every non-2xx HTTP response. */
export const errorResponseSchema = z.strictObject({ error: relayErrorSchema });
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
