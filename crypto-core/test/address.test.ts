import { describe, expect, it } from 'vitest';
import {
  accountIdFromIdentityKey,
  accountIdMatches,
  assertAccountIdMatches,
  formatContactCode,
  parseAccountId,
  parseContactCode,
} from '../src/address/index.js';
import { toBase64Url } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';

function fakeIdentityKey(fill: number): Uint8Array {
  const key = new Uint8Array(33).fill(fill);
  key[0] = 0x05;
  return key;
}

describe('account id', () => {
  it('is 32 characters of lowercase base32 and deterministic', () => {
    const id = accountIdFromIdentityKey(fakeIdentityKey(7));
    expect(id).toMatch(/^[a-z2-7]{32}$/);
    expect(accountIdFromIdentityKey(fakeIdentityKey(7))).toBe(id);
  });

  it('matches a known vector (SHA-256 over the domain-separated key, first 20 bytes)', () => {
    // Computed independently with Python's hashlib: sha256("parley-account-id-v1\0" || 0x05 || 32 x 0x07)[0..20], base32.
    expect(accountIdFromIdentityKey(fakeIdentityKey(7))).toBe('lljjcgbv4ez6e7tveydepikcbcz4sjsj');
  });

  it('commits to the key: another key gives another id and fails the check', () => {
    const id = accountIdFromIdentityKey(fakeIdentityKey(1));
    expect(accountIdFromIdentityKey(fakeIdentityKey(2))).not.toBe(id);
    expect(accountIdMatches(id, fakeIdentityKey(1))).toBe(true);
    expect(accountIdMatches(id, fakeIdentityKey(2))).toBe(false);
    expect(() => assertAccountIdMatches(id, fakeIdentityKey(2))).toThrowError(
      expect.objectContaining({ code: CryptoErrorCode.AccountIdMismatch }),
    );
  });

  it('refuses keys that are not 33-byte Curve25519 public keys', () => {
    const wrongType = fakeIdentityKey(3);
    wrongType[0] = 0x04;
    for (const key of [new Uint8Array(32), new Uint8Array(34), wrongType]) {
      expect(() => accountIdFromIdentityKey(key)).toThrowError(
        expect.objectContaining({ code: CryptoErrorCode.InvalidEncoding }),
      );
    }
  });

  it('parses only well-formed ids', () => {
    const id = accountIdFromIdentityKey(fakeIdentityKey(9));
    expect(parseAccountId(id)).toBe(id);
    for (const bad of [id.toUpperCase(), `${id}a`, id.slice(1), `${id.slice(0, 31)}1`, 42, null]) {
      expect(() => parseAccountId(bad)).toThrow(ParleyCryptoError);
    }
  });
});

describe('contact code', () => {
  const accountId = accountIdFromIdentityKey(fakeIdentityKey(5));

  it('round-trips and canonicalises the relay URL', () => {
    const text = formatContactCode({ accountId, relayUrl: 'https://Relay.Example.org:8443/parley/' });
    expect(text).toBe(`parley:${accountId}?relay=https%3A%2F%2Frelay.example.org%3A8443%2Fparley`);
    expect(parseContactCode(text)).toEqual({
      accountId,
      relayUrl: 'https://relay.example.org:8443/parley',
      accessKey: null,
    });
    expect(parseContactCode(`  ${text}\n`)).toEqual(parseContactCode(text));
  });

  it.each([
    ['a host', 'https://relay.example.org', 'https%3A%2F%2Frelay.example.org'],
    ['a port and a path', 'https://relay.example.org:8443/parley', 'https%3A%2F%2Frelay.example.org%3A8443%2Fparley'],
    ['loopback http', 'http://127.0.0.1:7443', 'http%3A%2F%2F127.0.0.1%3A7443'],
    ['an IPv6 host', 'http://[2001:db8::1]:7443', 'http%3A%2F%2F%5B2001%3Adb8%3A%3A1%5D%3A7443'],
  ])('accepts the canonical code for %s, with or without surrounding whitespace', (_label, relayUrl, encoded) => {
    const text = `parley:${accountId}?relay=${encoded}`;
    expect(formatContactCode({ accountId, relayUrl })).toBe(text);
    for (const pasted of [text, `  ${text}`, `${text}\n`, `\t${text} \r\n`]) {
      expect(parseContactCode(pasted)).toEqual({ accountId, relayUrl, accessKey: null });
    }
  });

  it('carries the code access key as unpadded base64url after the relay', () => {
    const accessKey = Uint8Array.from({ length: 16 }, (_, i) => 250 - i);
    const text = formatContactCode({ accountId, relayUrl: 'https://relay.example.org', accessKey });
    expect(text).toBe(`parley:${accountId}?relay=https%3A%2F%2Frelay.example.org&key=${toBase64Url(accessKey)}`);
    expect(text.split('&key=')[1]).toHaveLength(22);
    expect(parseContactCode(` ${text}\n`)).toEqual({ accountId, relayUrl: 'https://relay.example.org', accessKey });
  });

  it('refuses to format a key that is not 16 bytes', () => {
    expect(() =>
      formatContactCode({ accountId, relayUrl: 'https://relay.example.org', accessKey: new Uint8Array(15) }),
    ).toThrowError(expect.objectContaining({ code: CryptoErrorCode.InvalidContactCode }));
  });

  it('accepts a loopback http relay', () => {
    const text = formatContactCode({ accountId, relayUrl: 'http://127.0.0.1:7443' });
    expect(parseContactCode(text).relayUrl).toBe('http://127.0.0.1:7443');
  });

  it.each([
    ['wrong scheme', `signal:${accountId}?relay=https%3A%2F%2Fa.b`],
    ['no relay', `parley:${accountId}`],
    ['bad id', `parley:${accountId.slice(2)}?relay=https%3A%2F%2Fa.b`],
    ['extra parameter', `parley:${accountId}?relay=https%3A%2F%2Fa.b&x=1`],
    ['other parameter', `parley:${accountId}?server=https%3A%2F%2Fa.b`],
    ['fragment', `parley:${accountId}?relay=https%3A%2F%2Fa.b#frag`],
    ['ftp relay', `parley:${accountId}?relay=ftp%3A%2F%2Fa.b`],
    ['credentials', `parley:${accountId}?relay=https%3A%2F%2Fu%3Ap%40a.b`],
    ['relay with query', `parley:${accountId}?relay=https%3A%2F%2Fa.b%2F%3Fq%3D1`],
    ['broken escape', `parley:${accountId}?relay=https%3A%2F%2Fa.b%E0%A4%A`],
    ['not a URL', `parley:${accountId}?relay=not-a-url`],
    ['empty', ''],
    ['trailing slash', `parley:${accountId}?relay=https%3A%2F%2Frelay.example.org%2F`],
    ['trailing slash after a path', `parley:${accountId}?relay=https%3A%2F%2Frelay.example.org%2Fparley%2F`],
    ['unencoded relay URL', `parley:${accountId}?relay=https://relay.example.org`],
    ['partly encoded relay URL', `parley:${accountId}?relay=https%3A//relay.example.org`],
    ['lower-case escapes', `parley:${accountId}?relay=https%3a%2f%2frelay.example.org`],
    ['upper-case host', `parley:${accountId}?relay=https%3A%2F%2FRelay.Example.org`],
    ['upper-case scheme', `parley:${accountId}?relay=HTTPS%3A%2F%2Frelay.example.org`],
    ['default port', `parley:${accountId}?relay=https%3A%2F%2Frelay.example.org%3A443`],
    ['whitespace inside', `parley:${accountId} ?relay=https%3A%2F%2Frelay.example.org`],
    ['key before relay', `parley:${accountId}?key=AAAAAAAAAAAAAAAAAAAAAA&relay=https%3A%2F%2Fa.b`],
    ['short key', `parley:${accountId}?relay=https%3A%2F%2Fa.b&key=AAAAAAAAAAAAAAAAAAAAA`],
    ['padded key', `parley:${accountId}?relay=https%3A%2F%2Fa.b&key=AAAAAAAAAAAAAAAAAAAAAA==`],
    ['base64 (not url) key', `parley:${accountId}?relay=https%3A%2F%2Fa.b&key=+/AAAAAAAAAAAAAAAAAAAA`],
    ['parameter after the key', `parley:${accountId}?relay=https%3A%2F%2Fa.b&key=AAAAAAAAAAAAAAAAAAAAAA&x=1`],
  ])('refuses %s', (_label, text) => {
    expect(() => parseContactCode(text)).toThrowError(
      expect.objectContaining({ code: CryptoErrorCode.InvalidContactCode }),
    );
  });
});
