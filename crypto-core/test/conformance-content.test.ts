/**
 * Conformance vectors for content encoding and padding (docs/conformance.md;
 * docs/protocol.md §6): encode(content) is byte-exact, decode gives the
 * content back, unknown content is reported as unsupported, and every
 * invalid input is refused with its code.
 */
import { describe, expect, it } from 'vitest';
import { decodeContent, encodeContent } from '../src/content/codec.js';
import { padContent, paddedContentLength, unpadContent } from '../src/content/padding.js';
import { fromUtf8, toHex, utf8 } from '../src/encoding.js';
import { contentFromVector, contentToVector } from '../vectors/content.js';
import type { ContentVectors } from '../vectors/types.js';
import { expectRefused, hex, loadVectors } from './support/conformance-vectors.js';

const file = loadVectors<ContentVectors>('content.json');

describe('content vectors', () => {
  it('encode each content to exactly its padded bytes', () => {
    expect(file.valid.length).toBeGreaterThan(0);
    for (const vector of file.valid) {
      const padded = encodeContent(contentFromVector(vector.content));
      expect(toHex(padded), vector.name).toBe(vector.paddedHex);
      expect(fromUtf8(unpadContent(padded)), vector.name).toBe(vector.encoded);
      expect(toHex(padContent(utf8(vector.encoded))), vector.name).toBe(vector.paddedHex);
    }
  });

  it('decode each padded vector back to its content', () => {
    for (const vector of [...file.valid, ...file.decodeOnly]) {
      expect(contentToVector(decodeContent(hex(vector.paddedHex))), vector.name).toEqual(vector.content);
    }
  });

  it('report well-formed content of a newer version or unknown type as unsupported, keeping its bytes', () => {
    for (const vector of file.unsupported) {
      const decoded = decodeContent(hex(vector.paddedHex));
      expect(decoded.type, vector.name).toBe('unsupported');
      if (decoded.type !== 'unsupported') continue;
      expect(decoded.version).toBe(vector.version);
      expect(decoded.contentType).toBe(vector.contentType);
      expect(decoded.messageId ?? null).toBe(vector.messageId);
      expect(decoded.sentAt ?? null).toBe(vector.sentAt);
      expect(fromUtf8(decoded.encoded)).toBe(vector.encoded);
    }
  });

  it('refuse every invalid content object and every invalid padded input', async () => {
    for (const vector of file.invalidEncode) {
      await expectRefused(() => encodeContent(contentFromVector(vector.input)), vector.error, vector.reason);
    }
    for (const vector of file.invalidDecode) {
      await expectRefused(() => decodeContent(hex(vector.input)), vector.error, vector.reason);
    }
  });

  it('pad each encoded length into its bucket, and refuse what fits none', async () => {
    for (const vector of file.padding) {
      if (vector.error === null) {
        expect(paddedContentLength(vector.encodedLength), String(vector.encodedLength)).toBe(vector.paddedLength);
      } else {
        await expectRefused(() => paddedContentLength(vector.encodedLength), vector.error, `${vector.encodedLength}`);
      }
    }
  });
});
