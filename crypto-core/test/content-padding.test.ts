import { describe, expect, it } from 'vitest';
import {
  CONTENT_PADDING_BUCKETS,
  decodeContent,
  encodeContent,
  MAX_ENCODED_CONTENT_BYTES,
  padContent,
  paddedContentLength,
  unpadContent,
} from '../src/content/index.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

const MESSAGE_ID = '018f2c1e-7a3b-7c4d-8e5f-0123456789ab';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ParleyCryptoError.is(error) ? error.code : `not typed: ${String(error)}`;
  }
  return undefined;
}

describe('padding buckets', () => {
  it('are 160 then powers of two up to 64 KiB', () => {
    expect(CONTENT_PADDING_BUCKETS).toEqual([160, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);
    expect(MAX_ENCODED_CONTENT_BYTES).toBe(65535);
  });

  it('pick the smallest bucket with room for the content and the 0x80 marker', () => {
    expect(paddedContentLength(0)).toBe(160);
    expect(paddedContentLength(159)).toBe(160);
    expect(paddedContentLength(160)).toBe(256);
    expect(paddedContentLength(255)).toBe(256);
    expect(paddedContentLength(256)).toBe(512);
    expect(paddedContentLength(5000)).toBe(8192);
    expect(paddedContentLength(65535)).toBe(65536);
    expect(codeOf(() => paddedContentLength(65536))).toBe(CryptoErrorCode.ContentTooLarge);
    expect(codeOf(() => padContent(new Uint8Array(70_000)))).toBe(CryptoErrorCode.ContentTooLarge);
  });

  it('make encoded messages of different lengths in one bucket exactly the same length', () => {
    const lengths = ['a', 'hello there', 'x'.repeat(40)].map(
      (body) => encodeContent({ type: 'text', id: MESSAGE_ID, sentAt: 1, body }).byteLength,
    );
    expect(new Set(lengths)).toEqual(new Set([160]));
    const longer = ['y'.repeat(300), 'z'.repeat(400)].map(
      (body) => encodeContent({ type: 'text', id: MESSAGE_ID, sentAt: 1, body }).byteLength,
    );
    expect(longer).toEqual([512, 512]);
    const receipts = [1, 2].map(
      (count) =>
        encodeContent({ type: 'receipt', kind: 'read', messageIds: Array(count).fill(MESSAGE_ID), sentAt: 1 })
          .byteLength,
    );
    const typing = encodeContent({ type: 'typing', action: 'started', sentAt: 1 }).byteLength;
    expect(new Set([...receipts, typing])).toEqual(new Set([160]));
  });

  it('round trip at every bucket edge', () => {
    for (const bucket of CONTENT_PADDING_BUCKETS) {
      for (const length of [bucket - 1, Math.max(0, bucket - 2)]) {
        const content = Uint8Array.from({ length }, (_, i) => (i % 255) + 1);
        const paddedBytes = padContent(content);
        expect(paddedBytes.byteLength).toBe(bucket);
        expect([...unpadContent(paddedBytes)]).toEqual([...content]);
      }
    }
  });
});

describe('unpadding is strict', () => {
  it('accepts content padded into a larger bucket than needed (a sender may hide more)', () => {
    const paddedBytes = new Uint8Array(1024);
    paddedBytes.set([0x41, 0x80]);
    expect([...unpadContent(paddedBytes)]).toEqual([0x41]);
  });

  it('refuses lengths that are not bucket sizes', () => {
    for (const length of [0, 1, 159, 161, 300, 65537]) {
      const bad = new Uint8Array(length);
      if (length > 0) bad[0] = 0x80;
      expect(codeOf(() => unpadContent(bad))).toBe(CryptoErrorCode.InvalidContent);
    }
  });

  it('refuses padding without the 0x80 marker, or with other bytes after the content', () => {
    expect(codeOf(() => unpadContent(new Uint8Array(160)))).toBe(CryptoErrorCode.InvalidContent);
    const wrongMarker = new Uint8Array(160);
    wrongMarker.set([0x41, 0x81]);
    expect(codeOf(() => unpadContent(wrongMarker))).toBe(CryptoErrorCode.InvalidContent);
    const trailing = padContent(Uint8Array.of(0x41));
    trailing[100] = 1;
    expect(codeOf(() => unpadContent(trailing))).toBe(CryptoErrorCode.InvalidContent);
    expect(codeOf(() => decodeContent(trailing))).toBe(CryptoErrorCode.InvalidContent);
  });

  it('refuses an empty content (marker first) when decoding', () => {
    const empty = new Uint8Array(160);
    empty[0] = 0x80;
    expect(unpadContent(empty).byteLength).toBe(0);
    expect(codeOf(() => decodeContent(empty))).toBe(CryptoErrorCode.InvalidContent);
  });
});
