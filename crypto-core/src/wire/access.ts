/**
 * Access keys: capabilities an account hands out so that others may reach it
 * (docs/protocol.md §Reaching an account: access keys). An account registers
 * two with its relay, each 16 random bytes made by its client: the `code`
 * key (in its contact code, for people who do not know the user yet) and the
 * `contact` key (shared end-to-end encrypted with the contacts it accepted).
 * A send to the account, and a fetch of its bundles, must present one of them
 * once it registered them; the relay checks the key, never who presents it.
 * Browser-safe.
 */
import { z } from 'zod';
import { accessKeySchema } from './access-key.js';
import { MAX_DEVICES_PER_SEND, outgoingMessageSchema, sendRequestSchema } from './envelope.js';
import { sendResultSchema } from './socket.js';

export * from './access-key.js';

/** PUT /v1/accounts/me/access-keys (Bearer): registers both keys, replacing any registered before. */
export const setAccessKeysRequestSchema = z.strictObject({
  codeKey: accessKeySchema,
  contactKey: accessKeySchema,
});
export type SetAccessKeysRequest = z.infer<typeof setAccessKeysRequestSchema>;

export const setAccessKeysResponseSchema = z.strictObject({ updated: z.literal(true) });
export type SetAccessKeysResponse = z.infer<typeof setAccessKeysResponseSchema>;

/**
 * POST /v1/messages, unauthenticated: a SendRequest that must carry the
 * recipient's access key and only sealed-sender messages (the relay learns
 * no sender, so there is none it could record).
 */
export const unauthenticatedSendRequestSchema = sendRequestSchema.safeExtend({
  messages: z
    .array(outgoingMessageSchema.safeExtend({ type: z.literal('sealed') }))
    .min(1)
    .max(MAX_DEVICES_PER_SEND),
  accessKey: accessKeySchema,
});
export type UnauthenticatedSendRequest = z.input<typeof unauthenticatedSendRequestSchema>;

/** The 200 answer to POST /v1/messages: the socket send's success (refusals are error bodies). */
export const sendAcceptedResponseSchema = sendResultSchema.options[0];
export type SendAcceptedResponse = z.infer<typeof sendAcceptedResponseSchema>;
