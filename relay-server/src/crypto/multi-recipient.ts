/**
 * Splitting a multi-recipient upload (docs/protocol.md §4.9) with
 * crypto-core's SSv2 parser: which accounts and devices it was sealed for,
 * and the bytes each recipient's devices are delivered. The relay cannot
 * read any of it; a malformed upload is BAD_REQUEST.
 */
import { CryptoErrorCode, MultiRecipientMessage, ParleyCryptoError } from '@parley/crypto-core';
import { RelayErrorCode, RelayServerError } from '../errors.js';

export type { MultiRecipientEntry } from '@parley/crypto-core';
export type { MultiRecipientMessage };

/** The parsed upload, or BAD_REQUEST when it is no SSv2 upload. */
export function parseMultiRecipientUpload(payload: Uint8Array): MultiRecipientMessage {
  try {
    return MultiRecipientMessage.parse(payload);
  } catch (error) {
    if (ParleyCryptoError.is(error, CryptoErrorCode.InvalidMessage)) {
      throw new RelayServerError(RelayErrorCode.BadRequest, 'payload is not a multi-recipient sealed message', error);
    }
    throw error;
  }
}
