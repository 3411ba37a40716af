/**
 * Multi-recipient sends (docs/protocol.md §4.9): one upload of libsignal's
 * multi-recipient sealed sender (Sealed Sender v2) for every recipient device
 * on one relay, which the relay splits into one sealed envelope per device
 * and commits all or nothing. Groups send each message this way, once per
 * relay their members live on. Browser-safe.
 */
import { z } from 'zod';
import { accessKeySchema } from './access-key.js';
import { MAX_DEVICES_PER_SEND, MAX_ENVELOPE_CONTENT_BYTES } from './envelope.js';
import { accountIdSchema, base64Bytes, deviceIdSchema, envelopeIdSchema, timestampSchema } from './primitives.js';

/**
 * Most accounts one upload may name: twice a group's 256 members, so that a
 * full group (and its sender's own other devices) fits with room to spare.
 */
export const MAX_MULTI_RECIPIENTS = 512;

/**
 * libsignal's SSv2 sizes: what each recipient adds to an upload (its 17-byte
 * service id, a 32-byte key share and a 16-byte authentication tag), what
 * each of its devices adds (device id and registration id), and what each
 * recipient's part adds to the shared ciphertext (a version byte, its key
 * share and tag, the 32-byte ephemeral key).
 */
export const SSV2_RECIPIENT_BYTES = 17 + 32 + 16;
export const SSV2_DEVICE_BYTES = 3;
export const SSV2_RECEIVED_OVERHEAD_BYTES = 1 + 32 + 16 + 32;

/**
 * Largest upload: a recipient's part may be as large as one envelope, and
 * every recipient may list as many devices as a 1:1 send addresses.
 */
export const MAX_MULTI_RECIPIENT_PAYLOAD_BYTES =
  MAX_ENVELOPE_CONTENT_BYTES + MAX_MULTI_RECIPIENTS * (SSV2_RECIPIENT_BYTES + MAX_DEVICES_PER_SEND * SSV2_DEVICE_BYTES);

/** One account an upload is for, with one of its access keys when the sender needs one (§4.7). */
export const multiRecipientSchema = z.strictObject({
  accountId: accountIdSchema,
  accessKey: accessKeySchema.optional(),
});
export type MultiRecipient = z.infer<typeof multiRecipientSchema>;

/**
 * POST /v1/messages/multi-recipient. `payload` is the SSv2 upload; its
 * recipients must be exactly the service ids of `recipients` (each account
 * once). `ephemeral` ones (typing) reach only devices online now and are
 * never stored.
 */
export const multiRecipientSendRequestSchema = z.strictObject({
  payload: base64Bytes(1, MAX_MULTI_RECIPIENT_PAYLOAD_BYTES),
  recipients: z
    .array(multiRecipientSchema)
    .min(1)
    .max(MAX_MULTI_RECIPIENTS)
    .refine((recipients) => new Set(recipients.map((r) => r.accountId)).size === recipients.length, {
      message: 'each account may be named once',
    }),
  ephemeral: z.boolean().default(false),
});
export type MultiRecipientSendRequest = z.input<typeof multiRecipientSendRequestSchema>;
export type ParsedMultiRecipientSendRequest = z.output<typeof multiRecipientSendRequestSchema>;

/** One envelope a multi-recipient send stored (or, ephemeral, pushed). */
export const multiRecipientEnvelopeSchema = z.strictObject({
  accountId: accountIdSchema,
  deviceId: deviceIdSchema,
  envelopeId: envelopeIdSchema,
});

/** The 200 answer: every recipient device's envelope, once all are durably committed. */
export const multiRecipientSendResponseSchema = z.strictObject({
  ok: z.literal(true),
  /** When the relay accepted the send: every envelope's serverTimestamp. */
  serverTimestamp: timestampSchema,
  envelopes: z.array(multiRecipientEnvelopeSchema).max(MAX_MULTI_RECIPIENTS * MAX_DEVICES_PER_SEND),
});
export type MultiRecipientSendResponse = z.infer<typeof multiRecipientSendResponseSchema>;

/**
 * DEVICE_MISMATCH of a multi-recipient send, per recipient whose devices the
 * upload does not match: devices to add (fetch their bundles), devices that
 * no longer exist, and devices registered again since the sender's session
 * (the upload names another registration id: fetch a new bundle).
 */
export const recipientDeviceMismatchSchema = z.strictObject({
  accountId: accountIdSchema,
  missingDevices: z.array(deviceIdSchema),
  extraDevices: z.array(deviceIdSchema),
  staleDevices: z.array(deviceIdSchema),
});
export type RecipientDeviceMismatch = z.infer<typeof recipientDeviceMismatchSchema>;
