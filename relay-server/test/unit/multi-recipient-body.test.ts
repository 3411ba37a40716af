/**
 * The multi-recipient route's body limit (docs/relay.md, Limits): the largest
 * request the wire allows, every recipient with a key, fits under it; what
 * the limit leaves for the upload is the largest upload and no more.
 */

import { toBase32 } from '@parley/crypto-core/encoding';
import {
  base64Chars,
  MAX_ENVELOPE_CONTENT_BYTES,
  MAX_MULTI_RECIPIENT_PAYLOAD_BYTES,
  MAX_MULTI_RECIPIENTS,
  multiRecipientSendRequestSchema,
} from '@parley/crypto-core/wire';
import { newAccessKey } from '@parley/test-support';
import { describe, expect, it } from 'vitest';
import { MAX_MULTI_RECIPIENT_BODY_BYTES } from '../../src/http/multi-recipient-messages.js';

/** A distinct account id per index: the index's bytes in the account id alphabet. */
function accountId(index: number): string {
  return toBase32(Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, index >> 8, index & 0xff));
}

describe('multi-recipient body limit', () => {
  it('takes the largest request the wire allows, and is about 250 KiB', () => {
    const largest = {
      payload: 'A'.repeat(base64Chars(MAX_MULTI_RECIPIENT_PAYLOAD_BYTES)),
      recipients: Array.from({ length: MAX_MULTI_RECIPIENTS }, (_, index) => ({
        accountId: accountId(index),
        accessKey: newAccessKey(),
      })),
      ephemeral: false,
    };
    expect(multiRecipientSendRequestSchema.safeParse(largest).success).toBe(true);
    const text = JSON.stringify(largest);
    expect(text.length).toBeLessThanOrEqual(MAX_MULTI_RECIPIENT_BODY_BYTES);
    expect(MAX_MULTI_RECIPIENT_BODY_BYTES).toBe(256_000);
    // One more recipient, or a longer upload, is refused by the schema.
    expect(multiRecipientSendRequestSchema.safeParse({ ...largest, payload: `${largest.payload}AAAA` }).success).toBe(
      false,
    );
    const tooMany = [...largest.recipients, { accountId: accountId(MAX_MULTI_RECIPIENTS), accessKey: newAccessKey() }];
    expect(multiRecipientSendRequestSchema.safeParse({ ...largest, recipients: tooMany }).success).toBe(false);
  });

  it('leaves each recipient its 65 bytes and 3 per device for 16 devices beside one envelope', () => {
    expect(MAX_MULTI_RECIPIENT_PAYLOAD_BYTES).toBe(MAX_ENVELOPE_CONTENT_BYTES + MAX_MULTI_RECIPIENTS * (65 + 3 * 16));
  });
});
