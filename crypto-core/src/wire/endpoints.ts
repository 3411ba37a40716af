/**
 * Every HTTP route of the relay at run time: method, path, authentication,
 * and the schemas of its request and response bodies. The wire reference
 * (docs/wire-reference.md) is generated from this, and the relay's tests
 * check that its registered routes are exactly these. Browser-safe.
 */
import type { z } from 'zod';
import {
  sendAcceptedResponseSchema,
  setAccessKeysRequestSchema,
  setAccessKeysResponseSchema,
  unauthenticatedSendRequestSchema,
} from './access.js';
import {
  challengeRequestSchema,
  challengeResponseSchema,
  registerRequestSchema,
  tokenRequestSchema,
  tokenResponseSchema,
} from './auth.js';
import { blobCreatedResponseSchema, blobStoreInfoResponseSchema } from './blobs.js';
import {
  deleteAccountResponseSchema,
  healthResponseSchema,
  registrationInfoResponseSchema,
  routes,
  senderCertificateResponseSchema,
  trustRootResponseSchema,
} from './http.js';
import { preKeyBundlesResponseSchema, preKeyCountResponseSchema, preKeyUploadSchema } from './keys.js';
import { multiRecipientSendRequestSchema, multiRecipientSendResponseSchema } from './multi-recipient.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

export interface HttpEndpoint {
  readonly method: HttpMethod;
  /** Fastify's spelling: `:name` for a path parameter. */
  readonly path: string;
  /**
   * `bearer`: `Authorization: Bearer <token>` from POST /v1/accounts or /v1/auth/token.
   * `access key`: one of the addressed account's access keys (access.ts), no token.
   * `bearer or access key`: either, or both (protocol §4.7 says when).
   */
  readonly auth: 'none' | 'bearer' | 'access key' | 'bearer or access key';
  /** JSON body the route accepts; null when it takes none; `bytes` for raw bytes (a tus PATCH). */
  readonly request: z.ZodType | null | 'bytes';
  /** Status of a success. */
  readonly status: 200 | 201 | 204;
  /**
   * JSON body of a success (errors are always `errorResponseSchema`), the
   * kind of text answered instead, `bytes` (a blob), or `none` (the answer is
   * in headers).
   */
  readonly response: z.ZodType | 'prometheus-text' | 'markdown' | 'bytes' | 'none';
  readonly summary: string;
}

export const httpEndpoints: readonly HttpEndpoint[] = [
  {
    method: 'GET',
    path: routes.registration,
    auth: 'none',
    request: null,
    status: 200,
    response: registrationInfoResponseSchema,
    summary: 'Who may create an account on this relay (protocol §3).',
  },
  {
    method: 'POST',
    path: routes.challenge,
    auth: 'none',
    request: challengeRequestSchema,
    status: 200,
    response: challengeResponseSchema,
    summary: 'A single-use challenge for this device to sign (protocol §3). Rate-limited per client address.',
  },
  {
    method: 'POST',
    path: routes.accounts,
    auth: 'none',
    request: registerRequestSchema,
    status: 201,
    response: tokenResponseSchema,
    summary:
      'Registers (or re-registers, or takes over) a device with its keys, proved by a signed challenge (protocol §3, §3.1). Rate-limited per client address.',
  },
  {
    method: 'POST',
    path: routes.token,
    auth: 'none',
    request: tokenRequestSchema,
    status: 200,
    response: tokenResponseSchema,
    summary:
      'A bearer token for a registered device, proved by a signed challenge (protocol §3). Rate-limited per client address.',
  },
  {
    method: 'DELETE',
    path: routes.account,
    auth: 'bearer',
    request: null,
    status: 200,
    response: deleteAccountResponseSchema,
    summary: "Erases the caller's account: every device, key and queued envelope.",
  },
  {
    method: 'PUT',
    path: routes.accessKeys,
    auth: 'bearer',
    request: setAccessKeysRequestSchema,
    status: 200,
    response: setAccessKeysResponseSchema,
    summary:
      "Registers the caller's account's code and contact access keys, replacing both (protocol §4.7); from then on sends to it and fetches of its bundles by others must present one.",
  },
  {
    method: 'POST',
    path: routes.messages,
    auth: 'access key',
    request: unauthenticatedSendRequestSchema,
    status: 200,
    response: sendAcceptedResponseSchema,
    summary:
      "A sealed send without a token, with the recipient's access key (protocol §4.7); answered once durably stored. Rate-limited per client address and per key, its bytes counted against the key.",
  },
  {
    method: 'POST',
    path: routes.multiRecipientMessages,
    auth: 'bearer or access key',
    request: multiRecipientSendRequestSchema,
    status: 200,
    response: multiRecipientSendResponseSchema,
    summary:
      "One multi-recipient sealed upload (a group message) for accounts on this relay, split into one sealed envelope per recipient device and committed all or nothing (protocol §4.9). With a token the sender's own access rule applies per recipient; without one each recipient's access key is required.",
  },
  {
    method: 'PUT',
    path: routes.keys,
    auth: 'bearer',
    request: preKeyUploadSchema,
    status: 200,
    response: preKeyCountResponseSchema,
    summary:
      "Uploads prekeys for the caller's device, stored whole or not at all (protocol §4.2); answers the counts now stored.",
  },
  {
    method: 'GET',
    path: routes.keyCount,
    auth: 'bearer',
    request: null,
    status: 200,
    response: preKeyCountResponseSchema,
    summary: "How many one-time prekeys of each kind the relay holds for the caller's device.",
  },
  {
    method: 'GET',
    path: `${routes.bundles}/:accountId`,
    auth: 'bearer or access key',
    request: null,
    status: 200,
    response: preKeyBundlesResponseSchema,
    summary:
      'Claims a prekey bundle of every device of the account (each one-time prekey is handed out once). The access key travels in the `Parley-Access-Key` header (protocol §4.7).',
  },
  {
    method: 'GET',
    path: `${routes.bundles}/:accountId/:deviceId`,
    auth: 'bearer or access key',
    request: null,
    status: 200,
    response: preKeyBundlesResponseSchema,
    summary: 'Claims the prekey bundle of one device (`deviceId` in decimal, 1–127), as above.',
  },
  {
    method: 'GET',
    path: routes.senderCertificate,
    auth: 'bearer',
    request: null,
    status: 200,
    response: senderCertificateResponseSchema,
    summary:
      "A sealed-sender certificate for the caller's device, with the relay's clock (protocol §5, Sealed sender).",
  },
  {
    method: 'GET',
    path: routes.trustRoot,
    auth: 'none',
    request: null,
    status: 200,
    response: trustRootResponseSchema,
    summary: "The relay's sealed-sender trust root public key, under which its sender certificates verify.",
  },
  {
    method: 'OPTIONS',
    path: routes.attachments,
    auth: 'none',
    request: null,
    status: 200,
    response: blobStoreInfoResponseSchema,
    summary:
      'tus discovery (protocol §11.3): `Tus-Version`, `Tus-Extension` and `Tus-Max-Size` headers, repeated in the body.',
  },
  {
    method: 'POST',
    path: routes.attachments,
    auth: 'bearer',
    request: null,
    status: 201,
    response: blobCreatedResponseSchema,
    summary:
      'tus creation: a new upload of `Upload-Length` bytes (at most `Tus-Max-Size`, else 413), charged to the daily send quota; its URL in `Location`, its expiry in `Upload-Expires` (protocol §11.3).',
  },
  {
    method: 'HEAD',
    path: `${routes.attachmentUploads}/:blobId`,
    auth: 'bearer',
    request: null,
    status: 200,
    response: 'none',
    summary: "tus: the caller's upload's `Upload-Offset` and `Upload-Length`, to resume from.",
  },
  {
    method: 'PATCH',
    path: `${routes.attachmentUploads}/:blobId`,
    auth: 'bearer',
    request: 'bytes',
    status: 204,
    response: 'none',
    summary:
      'tus: appends the body (`application/offset+octet-stream`) at `Upload-Offset`, which must be the current offset (else 409); answers the new `Upload-Offset`. The last byte finishes the blob.',
  },
  {
    method: 'DELETE',
    path: `${routes.attachmentUploads}/:blobId`,
    auth: 'bearer',
    request: null,
    status: 204,
    response: 'none',
    summary: "tus termination: deletes the caller's upload or blob.",
  },
  {
    method: 'GET',
    path: `${routes.attachments}/:blobId`,
    auth: 'none',
    request: null,
    status: 200,
    response: 'bytes',
    summary:
      'A finished blob, to anyone holding its id (contacts on other relays too); one `Range` (206, or 416 out of range). Rate-limited per client address.',
  },
  {
    method: 'GET',
    path: routes.health,
    auth: 'none',
    request: null,
    status: 200,
    response: healthResponseSchema,
    summary: 'Liveness: `ok`, or `degraded` with status 503 while the relay stops or when its store fails.',
  },
  {
    method: 'GET',
    path: routes.metrics,
    auth: 'none',
    request: null,
    status: 200,
    response: 'prometheus-text',
    summary: 'Prometheus text format (docs/relay.md, Metrics). Expose it only to monitoring.',
  },
  {
    method: 'GET',
    path: routes.wireReference,
    auth: 'none',
    request: null,
    status: 200,
    response: 'markdown',
    summary: 'This document, as the relay was built with it (`text/markdown`).',
  },
];
