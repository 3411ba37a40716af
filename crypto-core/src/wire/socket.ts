/**
 * socket.io events, typed once for both sides (docs/protocol.md §Socket):
 * the relay is `Server<ClientToServerEvents, ServerToClientEvents>` and the
 * client is `Socket<ServerToClientEvents, ClientToServerEvents>`. Each payload
 * also has a zod schema; the relay validates every event it receives.
 * Browser-safe.
 */
import { z } from 'zod';
import { type Envelope, envelopeSchema, type SendRequest, sendRequestSchema } from './envelope.js';
import { type RelayError, relayErrorSchema } from './errors.js';
import { envelopeIdSchema, timestampSchema, WIRE_VERSION } from './primitives.js';

/** Most envelopes pushed in one `envelopes` event (and acked in one `ack`). */
export const MAX_ENVELOPES_PER_BATCH = 100;

/** `auth` payload of the socket.io handshake. */
export const socketAuthSchema = z.strictObject({
  token: z.string().min(1).max(4096),
  wireVersion: z.literal(WIRE_VERSION),
});
export type SocketAuth = z.infer<typeof socketAuthSchema>;

export const sendResultSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    /** One envelope id per addressed device, in the order of the request. */
    envelopeIds: z.array(envelopeIdSchema),
    serverTimestamp: timestampSchema,
  }),
  z.strictObject({ ok: z.literal(false), error: relayErrorSchema }),
]);
export type SendResult = z.infer<typeof sendResultSchema>;

export const ackRequestSchema = z.strictObject({
  envelopeIds: z.array(envelopeIdSchema).min(1).max(MAX_ENVELOPES_PER_BATCH),
});
export type AckRequest = z.infer<typeof ackRequestSchema>;

export const ackResultSchema = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), deleted: z.number().int().min(0) }),
  z.strictObject({ ok: z.literal(false), error: relayErrorSchema }),
]);
export type AckResult = z.infer<typeof ackResultSchema>;

export const envelopeBatchSchema = z.array(envelopeSchema).min(1).max(MAX_ENVELOPES_PER_BATCH);

export const preKeysLowSchema = z.strictObject({
  preKeys: z.number().int().min(0),
  kyberPreKeys: z.number().int().min(0),
});
export type PreKeysLow = z.infer<typeof preKeysLowSchema>;

/** Events a client emits. */
export interface ClientToServerEvents {
  /** Acknowledged only after the envelopes are durably committed. */
  send: (request: SendRequest, ack: (result: SendResult) => void) => void;
  /** The client has durably stored these envelopes; the relay may delete them. */
  ack: (request: AckRequest, ack: (result: AckResult) => void) => void;
}

/** Events the relay emits. */
export interface ServerToClientEvents {
  /** Stored envelopes in queue order (drain) or live pushes, and ephemeral ones. */
  envelopes: (batch: Envelope[]) => void;
  /** Sent once per connection, after the queue present at connect time was drained. */
  'queue-empty': () => void;
  /** This device's one-time prekeys are running low: upload more. */
  'prekeys-low': (counts: PreKeysLow) => void;
  /** A problem with the connection itself (e.g. the token expired mid-session). */
  'relay-error': (error: RelayError) => void;
}

/**
 * The events of `ClientToServerEvents` at run time, with the schema of each
 * payload and of its acknowledgement: the relay treats every other event as
 * unknown, and the wire reference (docs/wire-reference.md) is generated from
 * this. The mapped type keeps its keys exactly those of the interface.
 */
export const clientEventSchemas = {
  send: { payload: sendRequestSchema, ack: sendResultSchema },
  ack: { payload: ackRequestSchema, ack: ackResultSchema },
} as const satisfies { readonly [E in keyof ClientToServerEvents]: { payload: z.ZodType; ack: z.ZodType } };

/** True for the name of an event a client may emit. */
export function isClientEvent(event: string): event is keyof ClientToServerEvents {
  return Object.hasOwn(clientEventSchemas, event);
}

/** The events of `ServerToClientEvents` at run time and the schema of each payload (null: none). */
export const serverEventSchemas = {
  envelopes: envelopeBatchSchema,
  'queue-empty': null,
  'prekeys-low': preKeysLowSchema,
  'relay-error': relayErrorSchema,
} as const satisfies { readonly [E in keyof ServerToClientEvents]: z.ZodType | null };
