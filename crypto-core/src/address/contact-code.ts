/**
 * Contact codes (docs/protocol.md §Contact code): what one user gives another,
 * as text or QR, to start a conversation.
 *
 *   parley:<accountId>?relay=<percent-encoded relay URL>&key=<code access key>
 *
 * The `key` is the account's code access key (docs/protocol.md §4.7), 16
 * bytes as canonical unpadded base64url (22 characters): whoever holds the
 * code may reach the account with it. A code without `key` comes from a
 * client that predates access keys; it stays valid and parses with
 * `accessKey: null` (such an account registered no keys either).
 *
 * Parsing is strict: exact scheme, a well-formed account id, the parameters
 * `relay` then optionally `key` and nothing else, and a relay URL that is
 * http(s) with no credentials, query or fragment. The canonical text is what `formatContactCode` produces, and it is
 * the only text accepted (surrounding whitespace aside: people paste): an
 * unencoded or non-canonical relay URL (a trailing slash, an upper-case host,
 * a default port) is refused, so every implementation reads the same code the
 * same way and a code has exactly one spelling.
 */
import { type Bytes, fromBase64Url, toBase64Url } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { type AccountId, isAccountId } from './account-id.js';

export const CONTACT_CODE_SCHEME = 'parley:';
const MAX_CONTACT_CODE_LENGTH = 1024;
/** Bytes of the code access key a contact code carries (the wire's ACCESS_KEY_BYTES). */
export const CONTACT_CODE_KEY_BYTES = 16;
const KEY_PARAMETER = '&key=';

export interface ContactCode {
  readonly accountId: AccountId;
  /** Canonical relay base URL, no trailing slash (e.g. https://relay.example.org). */
  readonly relayUrl: string;
  /** The account's code access key; null in a code from a client that predates access keys. */
  readonly accessKey: Bytes | null;
}

/** What formatContactCode takes: a code without `accessKey` is written as older clients did. */
export type ContactCodeInput = Omit<ContactCode, 'accessKey'> & { readonly accessKey?: Bytes | null };

function fail(reason: string): never {
  throw invalidInput(CryptoErrorCode.InvalidContactCode, `invalid contact code: ${reason}`);
}

/**
 * The loopback spellings of one relay on this machine: `localhost`, `[::1]`
 * and 127.0.0.1 (WHATWG URL already turns `127.1`, `0x7f.0.0.1`... into
 * 127.0.0.1). Other 127/8 addresses stay themselves: they are distinct
 * addresses a second relay can bind, not names of the same socket.
 */
const LOOPBACK_ALIASES: ReadonlySet<string> = new Set(['localhost', '[::1]', '127.0.0.1']);
/**
 * The one form loopback aliases take. IPv4 because it is the address the
 * reference relay binds by default and the one every machine has (IPv6 can be
 * disabled), and a literal because `localhost` may resolve to ::1 first
 * (Node 17+), which an IPv4-only relay does not answer.
 */
export const CANONICAL_LOOPBACK_HOST = '127.0.0.1';

/**
 * Canonicalises a relay URL (docs/protocol.md §2): WHATWG URL parsing (scheme
 * and host lower case, host in punycode, default port dropped, path
 * normalised), every trailing slash of the path dropped, and the loopback
 * aliases `localhost` and `[::1]` written as `127.0.0.1` with the same scheme
 * and port. Throws INVALID_CONTACT_CODE when it is not acceptable.
 */
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
  const host = LOOPBACK_ALIASES.has(url.hostname) ? CANONICAL_LOOPBACK_HOST : url.hostname;
  const port = url.port === '' ? '' : `:${url.port}`;
  return `${url.protocol}//${host}${port}${path}`;
}

export function formatContactCode(code: ContactCodeInput): string {
  if (!isAccountId(code.accountId)) fail('account id is malformed');
  const relay = normalizeRelayUrl(code.relayUrl);
  const base = `${CONTACT_CODE_SCHEME}${code.accountId}?relay=${encodeURIComponent(relay)}`;
  const key = code.accessKey ?? null;
  if (key === null) return base;
  if (!(key instanceof Uint8Array) || key.byteLength !== CONTACT_CODE_KEY_BYTES) {
    fail(`access key must be ${CONTACT_CODE_KEY_BYTES} bytes`);
  }
  return `${base}${KEY_PARAMETER}${toBase64Url(key)}`;
}

/** The code key of `key=...`: strictly canonical unpadded base64url of exactly 16 bytes. */
function parseCodeKey(encoded: string): Bytes {
  let key: Bytes;
  try {
    key = fromBase64Url(encoded);
  } catch (error) {
    throw invalidInput(
      CryptoErrorCode.InvalidContactCode,
      'invalid contact code: key is not canonical base64url',
      error,
    );
  }
  if (key.byteLength !== CONTACT_CODE_KEY_BYTES) fail(`key must be ${CONTACT_CODE_KEY_BYTES} bytes`);
  return key;
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
  if (!query.startsWith('relay=') || query.includes('#')) fail('expected "relay" as the first parameter');
  const keyAt = query.indexOf(KEY_PARAMETER);
  const encodedRelay = query.slice('relay='.length, keyAt < 0 ? undefined : keyAt);
  const encodedKey = keyAt < 0 ? null : query.slice(keyAt + KEY_PARAMETER.length);
  if (encodedRelay.includes('&') || encodedKey?.includes('&')) fail('expected only "relay" and then "key"');
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
  return { accountId, relayUrl, accessKey: encodedKey === null ? null : parseCodeKey(encodedKey) };
}
