/**
 * Access keys (docs/protocol.md §4.7): a key as it travels in a send or the
 * Parley-Access-Key header (canonical base64), as a contact code carries it
 * (unpadded base64url), and the SHA-256 a relay stores and compares.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { toBase64, toBase64Url } from '../src/encoding.js';
import { CryptoErrorCode, invalidInput } from '../src/errors.js';
import { ACCESS_KEY_HEADER, accessKeySchema } from '../src/wire/access-key.js';
import { refusal } from './refusal.js';
import type { AccessKeyVectors } from './types.js';

const KEYS: readonly Uint8Array[] = [
  new Uint8Array(16),
  Uint8Array.from({ length: 16 }, (_, i) => i),
  Uint8Array.from({ length: 16 }, (_, i) => (i * 29 + 5) & 0xff),
  new Uint8Array(16).fill(0xff),
];

/** What the wire schema does with a header or field value: refuse it as BAD_REQUEST (the relay's 400). */
function parseAccessKey(value: string): void {
  if (!accessKeySchema.safeParse(value).success) {
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'not an access key: canonical base64 of 16 bytes');
  }
}

export function accessKeyVectors(): AccessKeyVectors {
  return {
    description:
      'Access keys: 16 random bytes. On the wire (SendRequest.accessKey, the Parley-Access-Key header, profile content) canonical padded base64; in a contact code unpadded base64url; a relay stores and compares only SHA-256 of the 16 bytes. Refused values are answered 400 BAD_REQUEST by the relay.',
    backs: ['docs/protocol.md §4.7 Reaching an account: access keys', 'docs/protocol.md §2 Contact code'],
    header: ACCESS_KEY_HEADER,
    vectors: KEYS.map((key) => ({
      keyBase64: toBase64(key),
      contactCodeKey: toBase64Url(key),
      storedHashBase64: toBase64(sha256(key)),
    })),
    refused: [
      refusal('AAAAAAAAAAAAAAAAAAAA', '15 bytes', parseAccessKey),
      refusal('AAAAAAAAAAAAAAAAAAAAAAAA', '17 bytes', parseAccessKey),
      refusal('AAAAAAAAAAAAAAAAAAAAAA', 'base64 without its padding', parseAccessKey),
      refusal('AAECAwQFBgcICQoLDA0ODw', 'base64url as in a contact code, not the wire form', parseAccessKey),
      refusal('AAECAwQFBgcICQoLDA0ODx==', 'non-zero unused bits (not canonical)', parseAccessKey),
    ],
  };
}
