/** `sender-key-request` content (docs/protocol.md §6, §10 Sender-key repair): round trip and strictness. */
import { describe, expect, it } from 'vitest';
import { decodeContent, encodeContent, padContent } from '../src/content/index.js';
import { unpadContent } from '../src/content/padding.js';
import { fromUtf8, utf8 } from '../src/encoding.js';

const GROUP_ID = '0190a5c8-1111-7000-8000-000000000001';
const DISTRIBUTION_ID = '4b7e1f0c-2d3a-4c5b-9e6f-708192a3b4c5';

describe('sender-key-request content', () => {
  it('writes the documented JSON and decodes it back', () => {
    const content = { type: 'sender-key-request', groupId: GROUP_ID, distributionId: DISTRIBUTION_ID } as const;
    const encoded = encodeContent(content);
    expect(fromUtf8(unpadContent(encoded))).toBe(
      `{"v":1,"type":"sender-key-request","groupId":"${GROUP_ID}","distributionId":"${DISTRIBUTION_ID}"}`,
    );
    expect(decodeContent(encoded)).toEqual(content);
  });

  it('refuses a missing or malformed id and fields it does not define', () => {
    const decode = (value: object) => () => decodeContent(padContent(utf8(JSON.stringify(value))));
    const valid = { v: 1, type: 'sender-key-request', groupId: GROUP_ID, distributionId: DISTRIBUTION_ID };
    expect(decode({ ...valid, sentAt: 1 })).toThrow(/sender-key-request/);
    expect(decode({ ...valid, distributionId: DISTRIBUTION_ID.toUpperCase() })).toThrow(/distributionId/);
    const { groupId: _groupId, ...noGroup } = valid;
    expect(decode(noGroup)).toThrow(/groupId/);
  });

  it('at a newer version is unsupported', () => {
    const newer = { v: 2, type: 'sender-key-request', groupId: GROUP_ID, distributionId: DISTRIBUTION_ID };
    expect(decodeContent(padContent(utf8(JSON.stringify(newer))))).toMatchObject({
      type: 'unsupported',
      contentType: 'sender-key-request',
      version: 2,
    });
  });
});
