/**
 * HTTP routes of the relay and their bodies (docs/relay.md §HTTP API).
 * Requests and responses not declared here are declared in auth.ts and
 * keys.ts. Browser-safe.
 */
import { z } from 'zod';
import { base64Bytes, timestampSchema, WIRE_VERSION } from './primitives.js';

export const API_PREFIX = `/v${WIRE_VERSION}`;

/** Route paths, so client and relay never spell one twice. */
export const routes = {
  challenge: `${API_PREFIX}/auth/challenge`,
  token: `${API_PREFIX}/auth/token`,
  accounts: `${API_PREFIX}/accounts`,
  account: `${API_PREFIX}/accounts/me`,
  /** PUT, Bearer: the account's access keys. */
  accessKeys: `${API_PREFIX}/accounts/me/access-keys`,
  /** POST, unauthenticated: a sealed send with the recipient's access key. */
  messages: `${API_PREFIX}/messages`,
  /** POST, bearer or access keys: one multi-recipient sealed upload, split into one envelope per device. */
  multiRecipientMessages: `${API_PREFIX}/messages/multi-recipient`,
  keys: `${API_PREFIX}/keys`,
  keyCount: `${API_PREFIX}/keys/count`,
  /** GET `${bundles}/:accountId` (all devices) or `${bundles}/:accountId/:deviceId`. */
  bundles: `${API_PREFIX}/keys/bundles`,
  senderCertificate: `${API_PREFIX}/certificate`,
  trustRoot: `${API_PREFIX}/trust-root`,
  registration: `${API_PREFIX}/registration`,
  /** OPTIONS (tus discovery) and POST (tus creation, Bearer): the attachment blob store. */
  attachments: `${API_PREFIX}/attachments`,
  /** `${attachmentUploads}/:blobId`: HEAD, PATCH, DELETE of one's own upload (tus, Bearer). */
  attachmentUploads: `${API_PREFIX}/attachments/uploads`,
  /** This relay's wire reference (docs/wire-reference.md), as Markdown. */
  wireReference: `${API_PREFIX}/wire-reference`,
  health: '/healthz',
  metrics: '/metrics',
} as const;

export const senderCertificateResponseSchema = z.strictObject({
  /** A libsignal SenderCertificate, serialized. */
  certificate: base64Bytes(1, 4096),
  expiresAt: timestampSchema,
  /**
   * The relay's clock when it issued the certificate (ms). Clients judge the
   * certificate's freshness by the relay's clock, learned from this, so a
   * client whose own clock is off still sends sealed. Relays that predate it
   * omit it; clients then use their own clock.
   */
  serverTime: timestampSchema.optional(),
});
export type SenderCertificateResponse = z.infer<typeof senderCertificateResponseSchema>;

export const trustRootResponseSchema = z.strictObject({
  /** The relay's sealed-sender trust root public key (33 bytes). */
  publicKey: base64Bytes(33, 33),
});
export type TrustRootResponse = z.infer<typeof trustRootResponseSchema>;

export const deleteAccountResponseSchema = z.strictObject({ deleted: z.literal(true) });
export type DeleteAccountResponse = z.infer<typeof deleteAccountResponseSchema>;

/** One dependency's state in a health answer. */
export const dependencyHealthSchema = z.strictObject({ status: z.enum(['ok', 'failed']) });

export const healthResponseSchema = z.strictObject({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  wireVersion: z.literal(WIRE_VERSION),
  /**
   * Each dependency the relay checked, by name: its store as `sqlite`,
   * `postgres` or `memory`. A failed one makes `status` degraded. Relays that
   * predate it omit it.
   */
  dependencies: z.record(z.string().max(32), dependencyHealthSchema).optional(),
});
export type HealthResponse = z.infer<typeof healthResponseSchema>;

/**
 * Who may create an account: anyone (`open`), holders of a one-time invite
 * code from the operator (`invite`), or no one new (`closed`). Devices of
 * existing accounts may re-register under every policy.
 */
export const registrationPolicySchema = z.enum(['open', 'invite', 'closed']);
export type RegistrationPolicy = z.infer<typeof registrationPolicySchema>;

/** GET /v1/registration, unauthenticated: what a client must know before it registers. */
export const registrationInfoResponseSchema = z.strictObject({ policy: registrationPolicySchema });
export type RegistrationInfoResponse = z.infer<typeof registrationInfoResponseSchema>;
