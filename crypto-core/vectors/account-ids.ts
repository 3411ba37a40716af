/** Account ids from identity keys (docs/protocol.md §1). */
import { accountIdFromIdentityKey, parseAccountId } from '../src/address/account-id.js';
import { toHex } from '../src/encoding.js';
import { ALICE, BOB, CAROL } from './identities.js';
import { refusal } from './refusal.js';
import type { AccountIdVectors } from './types.js';

function keyHex(firstByte: number, length: number, fill: number): string {
  const key = new Uint8Array(length).fill(fill);
  key[0] = firstByte;
  return toHex(key);
}

export function accountIdVectors(): AccountIdVectors {
  const keys = [keyHex(0x05, 33, 0x07), ALICE.publicKeyHex, BOB.publicKeyHex, CAROL.publicKeyHex];
  return {
    description:
      'Account ids: base32lower(SHA-256("parley-account-id-v1" || 0x00 || identityPublicKey)[0..20]) for 33-byte serialized keys, and texts that are not account ids.',
    backs: ['docs/protocol.md §1 Identity and account id'],
    identities: [ALICE, BOB, CAROL],
    valid: keys.map((hex) => ({
      identityPublicKeyHex: hex,
      accountId: accountIdFromIdentityKey(Buffer.from(hex, 'hex')),
    })),
    invalidKeys: [
      refusal(keyHex(0x07, 32, 0x07), 'the 32-byte key without its 0x05 type byte', (hex) =>
        accountIdFromIdentityKey(Buffer.from(hex, 'hex')),
      ),
      refusal(keyHex(0x06, 33, 0x07), 'a 33-byte key whose type byte is not 0x05', (hex) =>
        accountIdFromIdentityKey(Buffer.from(hex, 'hex')),
      ),
      refusal(keyHex(0x05, 34, 0x07), '34 bytes', (hex) => accountIdFromIdentityKey(Buffer.from(hex, 'hex'))),
      refusal('', 'no bytes', (hex) => accountIdFromIdentityKey(Buffer.from(hex, 'hex'))),
    ],
    invalidIds: [
      ['LLJJCGBV4EZ6E7TVEYDEPIKCBCZ4SJSJ', 'upper case'],
      ['lljjcgbv4ez6e7tveydepikcbcz4sjs', '31 characters'],
      ['lljjcgbv4ez6e7tveydepikcbcz4sjsja', '33 characters'],
      ['lljjcgbv4ez6e7tveydepikcbcz4sjs1', '1 is not in the base32 alphabet'],
      ['lljjcgbv4ez6e7tveydepikcbcz4sjs=', 'padding'],
      [' lljjcgbv4ez6e7tveydepikcbcz4sjsj', 'surrounding whitespace'],
    ].map(([text = '', reason = '']) => refusal(text, reason, parseAccountId)),
  };
}
