/**
 * What an opened sealed message carries (docs/protocol.md §5, Sealed sender
 * and Groups): libsignal's UnidentifiedSenderMessageContent holds either a
 * 1:1 Signal message (PreKey or Whisper), to decrypt with the sender's
 * session, or a sender-key message with the id of its group, to decrypt with
 * the sender's chain (GroupCipher). Both sealed-sender versions may carry
 * either; a multi-recipient (v2) message always carries a sender-key one.
 *
 * A group id travels in the sealed content as the 16 bytes of its UUID and
 * comes back as lowercase text. A sender-key message without one, or any
 * other message type, is INVALID_MESSAGE.
 */
import {
  CiphertextMessageType,
  SenderKeyMessage,
  type UnidentifiedSenderMessageContent,
} from '@signalapp/libsignal-client';
import { uuidText } from '../address/service-id.js';
import { type Bytes, fromHex } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { mapSignalErrors } from './errors-map.js';
import { UUID_PATTERN } from './group.js';
import type { SignalCiphertext } from './session.js';

/** A sender-key (group) message out of a sealed one: GroupCipher.decrypt(sender, body) opens it. */
export interface SenderKeyCiphertext {
  readonly type: 'sender-key';
  /** The serialized libsignal SenderKeyMessage. */
  readonly body: Bytes;
  /** The group the sender named, a lowercase UUID (inside the encryption: the relay never sees it). */
  readonly groupId: string;
  /** The sender's chain the message is under (a lowercase UUID). */
  readonly distributionId: string;
}

/** The message inside a sealed one. */
export type SealedInnerMessage = SignalCiphertext | SenderKeyCiphertext;

const GROUP_ID_BYTES = 16;

function invalidMessage(message: string) {
  return invalidInput(CryptoErrorCode.InvalidMessage, message);
}

/** The 16 bytes a group id travels as in sealed content; INVALID_ENCODING unless it is a lowercase UUID. */
export function groupIdBytes(groupId: string): Bytes {
  if (typeof groupId !== 'string' || !UUID_PATTERN.test(groupId)) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'group id must be a lowercase UUID');
  }
  return fromHex(groupId.replace(/-/g, ''));
}

function senderKeyCiphertext(content: UnidentifiedSenderMessageContent): SenderKeyCiphertext {
  const groupId = content.groupId();
  if (groupId === null || groupId.byteLength !== GROUP_ID_BYTES) {
    throw invalidMessage('a sealed sender-key message must name its group (16 bytes)');
  }
  const body = content.contents();
  const message = mapSignalErrors({ fallback: CryptoErrorCode.InvalidMessage }, () =>
    SenderKeyMessage.deserialize(body),
  );
  return { type: 'sender-key', body, groupId: uuidText(groupId), distributionId: message.distributionId() };
}

/** The inner message of opened sealed content; INVALID_MESSAGE for any type Parley does not send. */
export function sealedInnerMessage(content: UnidentifiedSenderMessageContent): SealedInnerMessage {
  switch (content.msgType()) {
    case CiphertextMessageType.PreKey:
      return { type: 'prekey', body: content.contents() };
    case CiphertextMessageType.Whisper:
      return { type: 'message', body: content.contents() };
    case CiphertextMessageType.SenderKey:
      return senderKeyCiphertext(content);
    default:
      throw invalidMessage('the sealed message carries neither a Signal nor a sender-key message');
  }
}
