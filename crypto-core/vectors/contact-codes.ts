/** Contact codes (docs/protocol.md §2). */

import type { AccountId } from '../src/address/account-id.js';
import { formatContactCode, parseContactCode } from '../src/address/contact-code.js';
import { fromBase64Url, toBase64Url } from '../src/encoding.js';
import { ALICE, BOB } from './identities.js';
import { refusal } from './refusal.js';
import type { ContactCodeVectors } from './types.js';

const EXAMPLE_ID = 'lljjcgbv4ez6e7tveydepikcbcz4sjsj';
const A = ALICE.accountId as AccountId;
const B = BOB.accountId;

/** Fixed code access keys (16 bytes each), as they appear in codes. */
const KEY_A = toBase64Url(Uint8Array.from({ length: 16 }, (_, i) => i * 17));
const KEY_B = toBase64Url(Uint8Array.from({ length: 16 }, (_, i) => 255 - i));
const ENCODED_EXAMPLE_RELAY = 'https%3A%2F%2Frelay.example.org';

const CANONICAL_RELAYS = [
  'https://relay.example.org',
  'http://relay.example.org:8080/parley',
  'http://[2001:db8::1]:7447',
  'https://xn--bcher-kva.example',
  'https://relay.example.org/a%20b',
];

const INVALID: readonly (readonly [text: string, reason: string])[] = [
  ['', 'empty'],
  ['   ', 'only whitespace'],
  [`Parley:${A}?relay=https%3A%2F%2Frelay.example.org`, 'the scheme is not exactly "parley:"'],
  [`parley://${A}?relay=https%3A%2F%2Frelay.example.org`, 'the account id is malformed ("//" before it)'],
  [`parley:${A}`, 'no relay'],
  [`parley:${A.toUpperCase()}?relay=https%3A%2F%2Frelay.example.org`, 'an upper-case account id'],
  [`parley:${A.slice(1)}?relay=https%3A%2F%2Frelay.example.org`, 'a 31-character account id'],
  [`parley:${A}?server=https%3A%2F%2Frelay.example.org`, 'the parameter is not "relay"'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org&x=1`, 'a second parameter'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org&`, 'an empty second parameter'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org#x`, 'a fragment'],
  [`parley:${A}?relay=`, 'an empty relay URL'],
  [`parley:${A}?relay=https://relay.example.org`, 'the relay URL is not encoded'],
  [`parley:${A}?relay=https%3A//relay.example.org`, 'the relay URL is partly encoded'],
  [`parley:${A}?relay=https%3a%2f%2frelay.example.org`, 'lower-case escapes'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org%2F`, 'a trailing slash'],
  [`parley:${A}?relay=https%3A%2F%2FRelay.Example.org`, 'an upper-case host'],
  [`parley:${A}?relay=HTTPS%3A%2F%2Frelay.example.org`, 'an upper-case scheme'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org%3A443`, 'the default port'],
  [`parley:${A}?relay=http%3A%2F%2Flocalhost%3A7447`, 'a loopback alias (canonical: 127.0.0.1)'],
  [`parley:${A}?relay=http%3A%2F%2F%5B%3A%3A1%5D%3A7447`, 'the IPv6 loopback (canonical: 127.0.0.1)'],
  [`parley:${A}?relay=https%3A%2F%2Fb%C3%BCcher.example`, 'a non-ASCII host not in punycode'],
  [`parley:${A}?relay=ftp%3A%2F%2Frelay.example.org`, 'the relay URL is not http or https'],
  [`parley:${A}?relay=https%3A%2F%2Fu%3Ap%40relay.example.org`, 'the relay URL carries credentials'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org%3Fx%3D1`, 'the relay URL has a query'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org%E0%A4%A`, 'broken percent-encoding'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org%2F${'a'.repeat(1000)}`, 'longer than 1,024 characters'],
  [`parley:${A}?key=${KEY_A}&relay=${ENCODED_EXAMPLE_RELAY}`, 'the key before the relay'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=`, 'an empty key'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${KEY_A.slice(0, 21)}`, 'a key of 21 characters'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${KEY_A}AA`, 'a key of 17 bytes'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${toBase64Url(new Uint8Array(15))}`, 'a key of 15 bytes'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${KEY_A}==`, 'a padded key'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${'-_'.repeat(10)}+/`, 'a key in the base64 (not url) alphabet'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${KEY_A.slice(0, 21)}B`, 'a key with non-zero trailing bits'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${KEY_A}&x=1`, 'a parameter after the key'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${KEY_A}&key=${KEY_B}`, 'two keys'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&x=1&key=${KEY_A}`, 'a parameter between the relay and the key'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&Key=${KEY_A}`, 'the parameter is not exactly "key"'],
  [`parley:${A}?relay=${ENCODED_EXAMPLE_RELAY}&key=${KEY_A}#x`, 'a fragment after the key'],
];

export function contactCodeVectors(): ContactCodeVectors {
  const codes: { accountId: string; relayUrl: string; accessKey: string | null }[] = [
    { accountId: EXAMPLE_ID, relayUrl: 'https://relay.example.org', accessKey: KEY_A },
    ...CANONICAL_RELAYS.map((relayUrl) => ({ accountId: A, relayUrl, accessKey: KEY_B })),
    { accountId: B, relayUrl: 'http://127.0.0.1:7447', accessKey: KEY_A },
    // Codes from clients that predate access keys: still valid, no key.
    { accountId: EXAMPLE_ID, relayUrl: 'https://relay.example.org', accessKey: null },
    { accountId: B, relayUrl: 'http://127.0.0.1:7447', accessKey: null },
  ];
  const valid = codes.map(({ accountId, relayUrl, accessKey }) => {
    const key = accessKey === null ? null : fromBase64Url(accessKey);
    const canonical = formatContactCode({ accountId: accountId as AccountId, relayUrl, accessKey: key });
    return { text: canonical, accountId, relayUrl, accessKey, canonical };
  });
  const pasted = valid[1];
  if (pasted !== undefined) valid.push({ ...pasted, text: `  ${pasted.canonical}\r\n` });
  const format = [
    'https://Relay.Example.ORG:443/',
    'HTTP://relay.example.org:80/',
    'https://bücher.example/',
    'http://relay.example.org:8080/parley//',
    'http://localhost:7447/',
  ].map((relayUrl) => ({ accountId: A, relayUrl, code: formatContactCode({ accountId: A, relayUrl }) }));
  return {
    description:
      'Contact codes: parley:<accountId>?relay=<encodeURIComponent(canonical relay URL)>&key=<code access key, 16 bytes, unpadded base64url>; codes without key (from clients that predate access keys) stay valid. Each valid text parses to its account id, relay URL and key (null without one), and formatting those gives the canonical text; formatting canonicalises the relay URL; every other spelling is refused.',
    backs: ['docs/protocol.md §2 Contact code'],
    valid: valid.map((vector) => {
      const parsed = parseContactCode(vector.text);
      const parsedKey = parsed.accessKey === null ? null : toBase64Url(parsed.accessKey);
      if (
        parsed.accountId !== vector.accountId ||
        parsed.relayUrl !== vector.relayUrl ||
        parsedKey !== vector.accessKey
      ) {
        throw new Error(`contact code ${vector.text} does not parse back`);
      }
      return vector;
    }),
    format,
    invalid: INVALID.map(([text, reason]) => refusal(text, reason, parseContactCode)),
  };
}
