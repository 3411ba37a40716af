/** Contact codes (docs/protocol.md §2). */

import type { AccountId } from '../src/address/account-id.js';
import { formatContactCode, parseContactCode } from '../src/address/contact-code.js';
import { ALICE, BOB } from './identities.js';
import { refusal } from './refusal.js';
import type { ContactCodeVectors } from './types.js';

const EXAMPLE_ID = 'lljjcgbv4ez6e7tveydepikcbcz4sjsj';
const A = ALICE.accountId as AccountId;
const B = BOB.accountId;

const CANONICAL_RELAYS = [
  'https://relay.example.org',
  'http://relay.example.org:8080/parley',
  'http://[::1]:7447',
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
  [`parley:${A}?relay=https%3A%2F%2Fb%C3%BCcher.example`, 'a non-ASCII host not in punycode'],
  [`parley:${A}?relay=ftp%3A%2F%2Frelay.example.org`, 'the relay URL is not http or https'],
  [`parley:${A}?relay=https%3A%2F%2Fu%3Ap%40relay.example.org`, 'the relay URL carries credentials'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org%3Fx%3D1`, 'the relay URL has a query'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org%E0%A4%A`, 'broken percent-encoding'],
  [`parley:${A}?relay=https%3A%2F%2Frelay.example.org%2F${'a'.repeat(1000)}`, 'longer than 1,024 characters'],
];

export function contactCodeVectors(): ContactCodeVectors {
  const codes = [
    { accountId: EXAMPLE_ID, relayUrl: 'https://relay.example.org' },
    ...CANONICAL_RELAYS.map((relayUrl) => ({ accountId: A, relayUrl })),
    { accountId: B, relayUrl: 'http://127.0.0.1:7447' },
  ];
  const valid = codes.map(({ accountId, relayUrl }) => {
    const canonical = formatContactCode({ accountId: accountId as AccountId, relayUrl });
    return { text: canonical, accountId, relayUrl, canonical };
  });
  const pasted = valid[1];
  if (pasted !== undefined) valid.push({ ...pasted, text: `  ${pasted.canonical}\r\n` });
  const format = [
    'https://Relay.Example.ORG:443/',
    'HTTP://relay.example.org:80/',
    'https://bücher.example/',
    'http://relay.example.org:8080/parley//',
  ].map((relayUrl) => ({ accountId: A, relayUrl, code: formatContactCode({ accountId: A, relayUrl }) }));
  return {
    description:
      'Contact codes: parley:<accountId>?relay=<encodeURIComponent(canonical relay URL)>. Each valid text parses to its account id and relay URL, and formatting those gives the canonical text; formatting canonicalises the relay URL; every other spelling is refused.',
    backs: ['docs/protocol.md §2 Contact code'],
    valid: valid.map((vector) => {
      const parsed = parseContactCode(vector.text);
      if (parsed.accountId !== vector.accountId || parsed.relayUrl !== vector.relayUrl) {
        throw new Error(`contact code ${vector.text} does not parse back`);
      }
      return vector;
    }),
    format,
    invalid: INVALID.map(([text, reason]) => refusal(text, reason, parseContactCode)),
  };
}
