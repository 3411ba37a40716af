/**
 * Envelopes: what the relay stores and forwards (docs/protocol.md §Envelopes).
 * The relay never sees plaintext: `content` is a Signal ciphertext (a
 * PreKeySignalMessage, a SignalMessage, or a sealed-sender message whose
 * sender the relay does not learn). Browser-safe.
 */
import { z } from 'zod';
import { accessKeySchema } from './access-key.js';
import {
  accountIdSchema,
  base64Bytes,
  deviceAddressSchema,
  deviceIdSchema,
  envelopeIdSchema,
  timestampSchema,
} from './primitives.js';

/**
 * Largest ciphertext accepted for one device. Content is padded to at most
 * 64 KiB before encryption; Signal and sealed-sender framing add well under
 * 1 KiB, so this leaves room without inviting abuse.
 */
export const MAX_ENVELOPE_CONTENT_BYTES = 80 * 1024;
/**
 * The longest a relay may keep an undelivered envelope (its configurable TTL
 * is at most this). No legitimate envelope arrives with a server timestamp
 * older than this, which bounds how far back a sealed sender certificate is
 * ever judged (signal/sealed-sender.ts).
 */
export const MAX_ENVELOPE_TTL_MS = 365 * 24 * 60 * 60 * 1000;
/** A send addresses at most this many devices of one recipient. */
export const MAX_DEVICES_PER_SEND = 16;

export const envelopeTypeSchema = z.enum(['prekey', 'message', 'sealed']);
export type EnvelopeType = z.infer<typeof envelopeTypeSchema>;

export const envelopeContentSchema = base64Bytes(1, MAX_ENVELOPE_CONTENT_BYTES);

/** One ciphertext for one device of the recipient. */
export const outgoingMessageSchema = z.strictObject({
  deviceId: deviceIdSchema,
  type: envelopeTypeSchema,
  content: envelopeContentSchema,
});
export type OutgoingMessage = z.infer<typeof outgoingMessageSchema>;

/**
 * A send: one ciphertext per current device of the recipient, accepted or
 * refused together. `ephemeral` envelopes (typing) are delivered only to
 * devices online now and never stored. `accessKey` is one of the
 * recipient's access keys (access-key.ts), required once it registered them.
 */
export const sendRequestSchema = z
  .strictObject({
    recipient: accountIdSchema,
    messages: z.array(outgoingMessageSchema).min(1).max(MAX_DEVICES_PER_SEND),
    ephemeral: z.boolean().default(false),
    accessKey: accessKeySchema.optional(),
  })
  .refine((request) => new Set(request.messages.map((m) => m.deviceId)).size === request.messages.length, {
    message: 'each device may be addressed once',
    path: ['messages'],
  });
export type SendRequest = z.input<typeof sendRequestSchema>;
export type ParsedSendRequest = z.output<typeof sendRequestSchema>;

export const envelopeSchema = z.strictObject({
  id: envelopeIdSchema,
  type: envelopeTypeSchema,
  /** Absent for sealed envelopes: the relay does not record who sent them. */
  source: deviceAddressSchema.optional(),
  destinationDeviceId: deviceIdSchema,
  content: envelopeContentSchema,
  /** When the relay accepted the envelope (ms since epoch). */
  serverTimestamp: timestampSchema,
  /** True for envelopes that were never stored (typing indicators). */
  ephemeral: z.boolean().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;
