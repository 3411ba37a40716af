/**
 * `sender-key-request` content (docs/protocol.md §6, §10 Sender-key repair):
 * "a group message of yours did not decrypt here for want of your sender key
 * (`distributionId`, the chain it named): send me your current one". Sent
 * one-to-one by the member who could not decrypt, to the message's sender;
 * never shown. Its own module (the schema is in schema.ts with the others),
 * so the content types added beside it stay apart. Browser-safe.
 */
import { CONTENT_VERSION, type SenderKeyRequestWire } from './schema.js';

/** Asks a member for its sender key of a group again (a chain we lack: lost, or never received). */
export interface SenderKeyRequestContent {
  readonly type: 'sender-key-request';
  readonly groupId: string;
  /** The distribution id the undecryptable group message named. */
  readonly distributionId: string;
}

export function senderKeyRequestToWire(content: SenderKeyRequestContent): SenderKeyRequestWire {
  return {
    v: CONTENT_VERSION,
    type: 'sender-key-request',
    groupId: content.groupId,
    distributionId: content.distributionId,
  };
}

export function senderKeyRequestFromWire(wire: SenderKeyRequestWire): SenderKeyRequestContent {
  return { type: 'sender-key-request', groupId: wire.groupId, distributionId: wire.distributionId };
}
