/** Service ids from account ids (docs/protocol.md §5, Identity and addresses). */
import { sha256 } from '@noble/hashes/sha2.js';
import { serviceIdFor } from '../src/address/service-id.js';
import { concatBytes, fromBase32, toHex, utf8 } from '../src/encoding.js';
import { ALICE, BOB, CAROL } from './identities.js';
import { refusal } from './refusal.js';
import type { ServiceIdVectors } from './types.js';

const DOMAIN = 'Parley service id v1';

function vector(accountId: string, note: string) {
  const accountIdBytes = fromBase32(accountId);
  return {
    note,
    accountId,
    accountIdBytesHex: toHex(accountIdBytes),
    digestHex: toHex(sha256(concatBytes(utf8(DOMAIN), accountIdBytes))),
    serviceId: serviceIdFor(accountId),
  };
}

export function serviceIdVectors(): ServiceIdVectors {
  return {
    description:
      'Service ids: the RFC 9562 version 8 UUID (version nibble 8, variant bits 10) made from the first 16 bytes of SHA-256("Parley service id v1" || the 20 bytes the account id encodes), lowercase, as libsignal multi-recipient sealed sender addresses an account; and texts that are not account ids.',
    backs: ['docs/protocol.md §5 Identity and addresses', 'docs/protocol.md §4.9'],
    domain: DOMAIN,
    valid: [
      vector(ALICE.accountId, 'alice (account-ids.json)'),
      vector(BOB.accountId, 'bob'),
      vector(CAROL.accountId, 'carol'),
      vector('a'.repeat(32), 'twenty zero bytes'),
      vector('7'.repeat(32), 'twenty 0xff bytes'),
    ],
    invalid: [
      ['LLJJCGBV4EZ6E7TVEYDEPIKCBCZ4SJSJ', 'upper case'],
      ['lljjcgbv4ez6e7tveydepikcbcz4sjs', '31 characters'],
      ['0c6a7f3e-8d1b-8e42-9a3c-5b7d2e1f4a60', 'a service id is not an account id'],
    ].map(([text = '', reason = '']) => refusal(text, reason, serviceIdFor)),
  };
}
