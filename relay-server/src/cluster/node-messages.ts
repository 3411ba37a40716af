/**
 * What relay nodes tell each other through Redis, one channel per account
 * (`${prefix}account:${accountId}`), JSON. A node subscribes to an account's
 * channel while any device of the account is connected to it, so a message
 * reaches exactly the nodes that may hold a connection it concerns. `node` is
 * the sender's random id: a node ignores its own messages (it already acted
 * on them locally).
 */
import { type Envelope, envelopeSchema, type RelayError, relayErrorSchema } from '@parley/crypto-core/wire';

export type NodeMessage =
  /** Envelopes were committed for these devices: read their queues (a hint: the store has them). */
  | { readonly kind: 'wake'; readonly node: string; readonly deviceIds: readonly number[] }
  /** The device registered at `generation`: end its connections of earlier generations with `error`. */
  | {
      readonly kind: 'supersede';
      readonly node: string;
      readonly deviceId: number;
      readonly generation: string;
      readonly error: RelayError;
    }
  /** The account was deleted: end all its connections. */
  | { readonly kind: 'deleted'; readonly node: string; readonly reason: string }
  /** An ephemeral envelope (typing): pushed to the device's connections, never stored. */
  | { readonly kind: 'ephemeral'; readonly node: string; readonly deviceId: number; readonly envelope: Envelope }
  /** A bundle of the device was claimed: check whether to send it prekeys-low. */
  | { readonly kind: 'prekeys'; readonly node: string; readonly deviceId: number };

export function accountChannel(prefix: string, accountId: string): string {
  return `${prefix}account:${accountId}`;
}

function isDeviceId(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** The message, or null for anything malformed (another program on the channel, a newer relay). */
export function parseNodeMessage(text: string): NodeMessage | null {
  let raw: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return null;
    raw = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const node = raw.node;
  if (typeof node !== 'string') return null;
  switch (raw.kind) {
    case 'wake':
      return Array.isArray(raw.deviceIds) && raw.deviceIds.every(isDeviceId)
        ? { kind: 'wake', node, deviceIds: raw.deviceIds }
        : null;
    case 'supersede': {
      const error = relayErrorSchema.safeParse(raw.error);
      return isDeviceId(raw.deviceId) && typeof raw.generation === 'string' && error.success
        ? { kind: 'supersede', node, deviceId: raw.deviceId, generation: raw.generation, error: error.data }
        : null;
    }
    case 'deleted':
      return typeof raw.reason === 'string' ? { kind: 'deleted', node, reason: raw.reason } : null;
    case 'ephemeral': {
      const envelope = envelopeSchema.safeParse(raw.envelope);
      return isDeviceId(raw.deviceId) && envelope.success
        ? { kind: 'ephemeral', node, deviceId: raw.deviceId, envelope: envelope.data }
        : null;
    }
    case 'prekeys':
      return isDeviceId(raw.deviceId) ? { kind: 'prekeys', node, deviceId: raw.deviceId } : null;
    default:
      return null;
  }
}
