/**
 * Conformance vectors for account ids, relay URLs and contact codes
 * (docs/conformance.md; docs/protocol.md §1, §2): the code reproduces every
 * committed vector, both ways, and refuses every invalid one with its code.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { IdentityKeyPair, PrivateKey } from '@signalapp/libsignal-client';
import { describe, expect, it } from 'vitest';
import type { AccountId } from '../src/address/account-id.js';
import { accountIdFromIdentityKey, accountIdMatches, parseAccountId } from '../src/address/account-id.js';
import { formatContactCode, normalizeRelayUrl, parseContactCode } from '../src/address/contact-code.js';
import { serviceIdFor } from '../src/address/service-id.js';
import { concatBytes, fromBase32, fromBase64, fromBase64Url, toHex, utf8 } from '../src/encoding.js';
import type { AccountIdVectors, ContactCodeVectors, RelayUrlVectors, ServiceIdVectors } from '../vectors/types.js';
import { expectRefused, hex, loadVectors } from './support/conformance-vectors.js';

const accountIds = loadVectors<AccountIdVectors>('account-ids.json');
const relayUrls = loadVectors<RelayUrlVectors>('relay-urls.json');
const contactCodes = loadVectors<ContactCodeVectors>('contact-codes.json');
const serviceIds = loadVectors<ServiceIdVectors>('service-ids.json');

describe('account id vectors', () => {
  it('derive each fixed identity: private key -> public key -> account id, and the key pair serialization', () => {
    expect(accountIds.identities.length).toBeGreaterThan(0);
    for (const identity of accountIds.identities) {
      const privateKey = PrivateKey.deserialize(hex(identity.privateKeyHex));
      expect(toHex(privateKey.getPublicKey().serialize()), identity.name).toBe(identity.publicKeyHex);
      expect(accountIdFromIdentityKey(hex(identity.publicKeyHex))).toBe(identity.accountId);
      const pair = IdentityKeyPair.deserialize(new Uint8Array(fromBase64(identity.identityKeyPairBase64)));
      expect(toHex(pair.privateKey.serialize())).toBe(identity.privateKeyHex);
      expect(toHex(pair.publicKey.serialize())).toBe(identity.publicKeyHex);
    }
  });

  it('map each identity key to its account id, and the id commits to that key only', () => {
    for (const [index, vector] of accountIds.valid.entries()) {
      expect(accountIdFromIdentityKey(hex(vector.identityPublicKeyHex))).toBe(vector.accountId);
      expect(accountIdMatches(vector.accountId, hex(vector.identityPublicKeyHex))).toBe(true);
      const other = accountIds.valid[(index + 1) % accountIds.valid.length];
      if (other === undefined) throw new Error('no vectors');
      expect(accountIdMatches(vector.accountId, hex(other.identityPublicKeyHex))).toBe(false);
    }
  });

  it('refuse malformed keys and texts that are not account ids', async () => {
    for (const vector of accountIds.invalidKeys) {
      await expectRefused(() => accountIdFromIdentityKey(hex(vector.input)), vector.error, vector.reason);
    }
    for (const vector of accountIds.invalidIds) {
      await expectRefused(() => parseAccountId(vector.input), vector.error, vector.reason);
    }
  });
});

describe('service id vectors', () => {
  it('derive each service id: the account id bytes, the digest, the UUID with version 8 and variant 10', () => {
    expect(serviceIds.valid.length).toBeGreaterThan(0);
    for (const vector of serviceIds.valid) {
      expect(toHex(fromBase32(vector.accountId)), vector.note).toBe(vector.accountIdBytesHex);
      const hashed = concatBytes(utf8(serviceIds.domain), hex(vector.accountIdBytesHex));
      expect(toHex(sha256(hashed)), vector.note).toBe(vector.digestHex);
      const digest = hex(vector.digestHex);
      const uuid = digest.slice(0, 16);
      uuid[6] = ((uuid[6] as number) & 0x0f) | 0x80;
      uuid[8] = ((uuid[8] as number) & 0x3f) | 0x80;
      expect(vector.serviceId.replaceAll('-', ''), vector.note).toBe(toHex(uuid));
      expect(vector.serviceId, vector.note).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(serviceIdFor(vector.accountId), vector.note).toBe(vector.serviceId);
    }
    // The fixed identities are the account-id vectors' own.
    expect(serviceIds.valid.slice(0, 3).map((vector) => vector.accountId)).toEqual(
      accountIds.identities.map((identity) => identity.accountId),
    );
  });

  it('refuse texts that are not account ids', async () => {
    for (const vector of serviceIds.invalid) {
      await expectRefused(() => serviceIdFor(vector.input), vector.error, vector.reason);
    }
  });
});

describe('relay URL vectors', () => {
  it('canonicalise every accepted spelling, and a canonical URL is its own canonical form', () => {
    for (const vector of relayUrls.valid) {
      expect(normalizeRelayUrl(vector.input), vector.note).toBe(vector.canonical);
      expect(normalizeRelayUrl(vector.canonical), vector.note).toBe(vector.canonical);
    }
  });

  it('refuse every invalid relay URL', async () => {
    for (const vector of relayUrls.invalid) {
      await expectRefused(() => normalizeRelayUrl(vector.input), vector.error, vector.reason);
    }
  });
});

describe('contact code vectors', () => {
  it('parse each valid text, and format its parts back to the canonical text', () => {
    for (const vector of contactCodes.valid) {
      const accessKey = vector.accessKey === null ? null : fromBase64Url(vector.accessKey);
      expect(parseContactCode(vector.text)).toEqual({
        accountId: vector.accountId,
        relayUrl: vector.relayUrl,
        accessKey,
      });
      const formatted = formatContactCode({
        accountId: vector.accountId as AccountId,
        relayUrl: vector.relayUrl,
        accessKey,
      });
      expect(formatted).toBe(vector.canonical);
      expect(vector.text.trim()).toBe(vector.canonical);
    }
  });

  it('format with the relay URL canonicalised', () => {
    for (const vector of contactCodes.format) {
      expect(formatContactCode({ accountId: vector.accountId as AccountId, relayUrl: vector.relayUrl })).toBe(
        vector.code,
      );
      expect(parseContactCode(vector.code).relayUrl).toBe(normalizeRelayUrl(vector.relayUrl));
    }
  });

  it('refuse every invalid code with its error code', async () => {
    for (const vector of contactCodes.invalid) {
      await expectRefused(() => parseContactCode(vector.input), vector.error, vector.reason);
    }
  });
});
