/** Stored envelopes in the shape the `envelopes` event carries (envelopeSchema). */
import type { Envelope } from '@parley/crypto-core/wire';
import type { NewEnvelope } from '../storage/relay-store.js';

export function toWireEnvelope(envelope: NewEnvelope, ephemeral = false): Envelope {
  const wire: Envelope = {
    id: envelope.id,
    type: envelope.type,
    destinationDeviceId: envelope.deviceId,
    content: envelope.content,
    serverTimestamp: envelope.serverTimestamp,
  };
  if (envelope.source !== undefined)
    wire.source = { accountId: envelope.source.accountId, deviceId: envelope.source.deviceId };
  if (ephemeral) wire.ephemeral = true;
  return wire;
}
