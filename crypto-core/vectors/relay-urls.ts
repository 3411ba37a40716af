/** Canonical relay URLs (docs/protocol.md §2, §3). */
// The relay's rule, run here so the vectors record what the reference relay does.
import { derivedRelayUrls } from '../../relay-server/src/auth/relay-urls.js';
import { normalizeRelayUrl } from '../src/address/contact-code.js';
import { refusal } from './refusal.js';
import type { RelayUrlVectors } from './types.js';

const VALID: readonly (readonly [input: string, note: string])[] = [
  ['https://relay.example.org', 'already canonical'],
  ['https://Relay.Example.ORG:443/', 'host lower-cased, default port and trailing slash dropped'],
  ['HTTPS://relay.example.org', 'scheme lower-cased'],
  ['http://relay.example.org:80/', 'the default port of http'],
  ['https://relay.example.org:80', 'port 80 is not the default of https: kept'],
  ['http://relay.example.org:8080/parley///', 'every trailing slash of the path removed'],
  ['https://relay.example.org/a/../parley/./v1/', 'dot segments resolved (WHATWG URL)'],
  ['https://relay.example.org/a b', 'the path percent-encoded (WHATWG URL)'],
  ['https://bücher.example/', 'a non-ASCII host in punycode'],
  ['http://[2001:DB8::1]:7447/', 'an IPv6 literal, lower case and compressed (WHATWG URL)'],
  ['http://192.168.1.5:7447', 'an IPv4 literal'],
  ['http://127.0.0.1:7447', 'the loopback address, already canonical'],
  ['http://localhost:7447/', 'the loopback alias localhost written as 127.0.0.1, port kept'],
  ['HTTP://LocalHost:7447', 'localhost in any case'],
  ['https://localhost', 'the scheme is kept: https://127.0.0.1 is another relay than http://127.0.0.1'],
  ['http://[::1]:7447/', 'the IPv6 loopback [::1] written as 127.0.0.1'],
  ['http://[0:0:0:0:0:0:0:1]:7447', 'any spelling of ::1 (WHATWG URL compresses it first)'],
  ['http://127.1:7447', 'a short IPv4 spelling of 127.0.0.1 (WHATWG URL)'],
  ['http://127.0.0.2:7447', 'other 127/8 addresses are not aliases: another relay can bind them'],
  ['http://localhost:80/parley/', 'a loopback alias with a path: default port and trailing slash dropped'],
  ['https://relay.example.org?', 'an empty query is no query (WHATWG URL)'],
  ['https://relay.example.org#', 'an empty fragment is no fragment (WHATWG URL)'],
  ['  https://relay.example.org/ \n', 'leading and trailing spaces and controls stripped (WHATWG URL)'],
];

const INVALID: readonly (readonly [input: string, reason: string])[] = [
  ['ftp://relay.example.org', 'the scheme is neither http nor https'],
  ['wss://relay.example.org', 'the scheme is neither http nor https'],
  ['https://user:secret@relay.example.org', 'credentials'],
  ['https://user@relay.example.org', 'a user name'],
  ['https://relay.example.org/?x=1', 'a query'],
  ['https://relay.example.org/#top', 'a fragment'],
  ['relay.example.org', 'no scheme: not an absolute URL'],
  ['https://', 'no host: not a URL'],
  ['http://relay example.org', 'a space in the host: not a URL'],
  ['', 'empty'],
];

/** The reference relay's listen settings whose derived URLs the vectors record (relay-server/src/auth/relay-urls.ts). */
const LISTEN: readonly (readonly [host: string, address: string, port: number])[] = [
  ['127.0.0.1', '127.0.0.1', 7447],
  ['::1', '::1', 7447],
  ['localhost', '127.0.0.1', 9000],
  ['0.0.0.0', '0.0.0.0', 7447],
  ['::', '::', 7447],
  ['Relay.LAN', '192.168.1.5', 80],
];

export function relayUrlVectors(): RelayUrlVectors {
  return {
    description:
      'Relay URLs in every accepted spelling and their canonical form (what a device signs and a contact code encodes), URLs refused as relay URLs, and the URLs the reference relay accepts when its operator names none.',
    backs: ['docs/protocol.md §2 Contact code', 'docs/protocol.md §3 Authentication to a relay'],
    valid: VALID.map(([input, note]) => ({ input, canonical: normalizeRelayUrl(input), note })),
    invalid: INVALID.map(([input, reason]) => refusal(input, reason, normalizeRelayUrl)),
    derivedByReferenceRelay: LISTEN.map(([host, address, port]) => ({
      host,
      address,
      port,
      accepted: derivedRelayUrls(host, { address, port }),
    })),
  };
}
