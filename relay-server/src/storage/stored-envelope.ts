/**
 * The one way both stores turn an envelope into its stored form: exactly the
 * contract's fields, copied, and no `source` key at all for sealed envelopes.
 * Whatever else a caller's object carries is not stored, so it must not be
 * echoed back either (insert results and fetch results look alike).
 */
import type { NewEnvelope, StoredEnvelope } from './relay-store.js';

export function storedEnvelope(envelope: NewEnvelope, seq: number): StoredEnvelope {
  const stored = {
    id: envelope.id,
    recipient: envelope.recipient,
    deviceId: envelope.deviceId,
    type: envelope.type,
    content: envelope.content,
    serverTimestamp: envelope.serverTimestamp,
    expiresAt: envelope.expiresAt,
    seq,
  };
  const { source } = envelope;
  if (source === undefined) return stored;
  return { ...stored, source: { accountId: source.accountId, deviceId: source.deviceId } };
}
