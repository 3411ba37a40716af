/**
 * The vault's mapping of decoded content to what the engine sees: an
 * attachment message, which this build's app cannot show yet, reaches the
 * engine as unsupported content (as before the type existed), never as an error.
 */
import { decodeContent, encodeContent } from '@parley/crypto-core/content';
import { describe, expect, it } from 'vitest';
import { mapIncomingContent } from '../../src/vault/content-mapping.js';

describe('mapIncomingContent', () => {
  it('maps an attachment message to unsupported content with its id and time', () => {
    const decoded = decodeContent(
      encodeContent({
        type: 'attachment',
        id: '018f2c1e-7a3b-7c4d-8e5f-0123456789ab',
        sentAt: 1_732_780_800_000,
        attachments: [
          {
            blobId: 'Zm9yIHRoZSB2ZWN0b3JzIG9ubHksIG5vdCByYW5kb20',
            key: new Uint8Array(64),
            digest: new Uint8Array(32),
            size: 10,
            contentType: 'text/plain',
          },
        ],
      }),
    );
    expect(decoded.type).toBe('attachment');
    expect(mapIncomingContent(decoded)).toEqual({
      content: {
        type: 'unsupported',
        version: 1,
        contentType: 'attachment',
        messageId: '018f2c1e-7a3b-7c4d-8e5f-0123456789ab',
        sentAt: 1_732_780_800_000,
      },
      senderKeyDistribution: null,
    });
  });
});
