/**
 * Contact codes (docs/protocol.md §Contact code): what one user gives another,
 * as text or QR, to start a conversation.
 *
 *   parley:<accountId>?relay=<percent-encoded relay URL>
 *
 * Parsing is strict: exact scheme, a well-formed account id, exactly one query
 * parameter, and a relay URL that is http(s) with no credentials, query or
 * fragment. The canonical text is what `formatContactCode` produces, and it is
 * the only text accepted (surrounding whitespace aside: people paste): an
 * unencoded or non-canonical relay URL (a trailing slash, an upper-case host,
 * a default port) is refused, so every implementation reads the same code the
 * same way and a code has exactly one spelling.
 */
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { type AccountId, isAccountId } from './account-id.js';

export const CONTACT_CODE_SCHEME = 'parley:';
const MAX_CONTACT_CODE_LENGTH = 1024;

export interface ContactCode {
  readonly accountId: AccountId;
  /** Canonical relay base URL, no trailing slash (e.g. https://relay.example.org). */
  readonly relayUrl: string;
}

function fail(reason: string): never {
  throw invalidInput(CryptoErrorCode.InvalidContactCode, `invalid contact code: ${reason}`);
}

/** Canonicalises a relay URL; throws INVALID_CONTACT_CODE when it is not acceptable. */
export function normalizeRelayUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch (error) {
    throw invalidInput(CryptoErrorCode.InvalidContactCode, 'invalid contact code: relay is not a URL', error);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail('relay URL must be http or https');
  if (url.username !== '' || url.password !== '') fail('relay URL must not carry credentials');
  if (url.search !== '' || url.hash !== '') fail('relay URL must not have a query or fragment');
  if (url.hostname === '') fail('relay URL has no host');
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

export function formatContactCode(code: ContactCode): string {
  if (!isAccountId(code.accountId)) fail('account id is malformed');
  const relay = normalizeRelayUrl(code.relayUrl);
  return `${CONTACT_CODE_SCHEME}${code.accountId}?relay=${encodeURIComponent(relay)}`;
}

export function parseContactCode(text: unknown): ContactCode {
  if (typeof text !== 'string') fail('not text');
  const trimmed = text.trim();
  if (trimmed.length === 0) fail('empty');
  if (trimmed.length > MAX_CONTACT_CODE_LENGTH) fail('too long');
  if (!trimmed.startsWith(CONTACT_CODE_SCHEME)) fail(`must start with "${CONTACT_CODE_SCHEME}"`);
  const rest = trimmed.slice(CONTACT_CODE_SCHEME.length);
  const question = rest.indexOf('?');
  if (question < 0) fail('missing relay');
  const accountId = rest.slice(0, question);
  if (!isAccountId(accountId)) fail('account id is malformed');
  const query = rest.slice(question + 1);
  if (!query.startsWith('relay=') || query.includes('&') || query.includes('#')) {
    fail('expected exactly one "relay" parameter');
  }
  const encodedRelay = query.slice('relay='.length);
  let relayText: string;
  try {
    relayText = decodeURIComponent(encodedRelay);
  } catch (error) {
    throw invalidInput(CryptoErrorCode.InvalidContactCode, 'invalid contact code: bad percent-encoding', error);
  }
  const relayUrl = normalizeRelayUrl(relayText);
  if (relayText !== relayUrl) fail('relay URL is not in canonical form');
  if (encodedRelay !== encodeURIComponent(relayUrl))
    fail('relay URL is not percent-encoded as encodeURIComponent does');
  return { accountId, relayUrl };
}
