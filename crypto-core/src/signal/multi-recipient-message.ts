/**
 * The relay's side of a multi-recipient sealed message (docs/protocol.md
 * §4.9): libsignal's Sealed Sender v2 "SentMessage", parsed far enough to
 * fan it out. It lists each recipient (a service id, serviceIdFor) with the
 * devices and registration ids the sender sealed it for, and gives each
 * recipient's "ReceivedMessage": the bytes every device of that recipient is
 * delivered, which it opens like any sealed message. Parsing checks the
 * framing only; nothing here can read the message.
 */
import SealedSenderMultiRecipientMessage, {
  type Recipient,
} from '@signalapp/libsignal-client/dist/SealedSenderMultiRecipientMessage.js';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { mapSignalErrors } from './errors-map.js';

/** One device a multi-recipient message was sealed for. */
export interface MultiRecipientDevice {
  readonly deviceId: number;
  /** The registration id of the device's session the sender sealed it with (14 bits). */
  readonly registrationId: number;
}

export interface MultiRecipientEntry {
  /** The recipient's service id (lowercase UUID). */
  readonly serviceId: string;
  /**
   * The devices, in the message's order. libsignal does not make them unique:
   * a message may name a device twice, which the relay refuses.
   */
  readonly devices: readonly MultiRecipientDevice[];
}

export class MultiRecipientMessage {
  readonly #message: SealedSenderMultiRecipientMessage;
  readonly #recipients: ReadonlyMap<string, Recipient>;
  /** Every recipient, in the message's order. */
  readonly recipients: readonly MultiRecipientEntry[];
  /** Service ids the sender marked as deliberately left out (Parley senders list none). */
  readonly excludedServiceIds: readonly string[];

  private constructor(message: SealedSenderMultiRecipientMessage) {
    this.#message = message;
    this.#recipients = new Map(Object.entries(message.recipientsByServiceIdString()));
    this.recipients = [...this.#recipients].map(([serviceId, recipient]) => ({
      serviceId,
      devices: recipient.deviceIds.map((deviceId, index) => ({
        deviceId,
        registrationId: recipient.registrationIds[index] as number,
      })),
    }));
    this.excludedServiceIds = [...message.excludedRecipientServiceIdStrings()];
  }

  /** Parses an SSv2 SentMessage; INVALID_MESSAGE when its framing is wrong (any version but v2, truncated...). */
  static parse(payload: Uint8Array): MultiRecipientMessage {
    if (!(payload instanceof Uint8Array)) throw invalidInput(CryptoErrorCode.InvalidMessage, 'payload must be bytes');
    // A copy: the parsed message keeps offsets into the buffer it was given.
    const own = bytes(payload.slice());
    return new MultiRecipientMessage(
      mapSignalErrors({ fallback: CryptoErrorCode.InvalidMessage }, () => new SealedSenderMultiRecipientMessage(own)),
    );
  }

  /** The bytes to deliver to every device of `serviceId`; INVALID_ENCODING for a service id it does not name. */
  payloadFor(serviceId: string): Bytes {
    const recipient = this.#recipients.get(serviceId);
    if (recipient === undefined) {
      throw invalidInput(CryptoErrorCode.InvalidEncoding, 'the message is not sealed for this service id');
    }
    return this.#message.messageForRecipient(recipient);
  }
}
