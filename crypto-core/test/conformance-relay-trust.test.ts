/**
 * Conformance vectors for reaching people on other relays
 * (docs/conformance.md; docs/protocol.md §4.7, §5): access keys in each of
 * their spellings and the hash a relay keeps, and sender certificates of two
 * relays judged under each relay's trust root and at the edges of validity.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromBase64Url, toBase64 } from '../src/encoding.js';
import { readSenderCertificate, validateSenderCertificate } from '../src/signal/index.js';
import { accessKeySchema } from '../src/wire/access-key.js';
import type { AccessKeyVectors, SenderCertificateVectors } from '../vectors/types.js';
import { hex, loadVectors } from './support/conformance-vectors.js';

const keys = loadVectors<AccessKeyVectors>('access-keys.json');
const certificates = loadVectors<SenderCertificateVectors>('sender-certificates.json');

describe('access key vectors', () => {
  it('read the same 16 bytes from the wire and the contact-code spelling, and hash to the stored value', () => {
    expect(keys.header).toBe('Parley-Access-Key');
    expect(keys.vectors.length).toBeGreaterThan(0);
    for (const vector of keys.vectors) {
      expect(accessKeySchema.safeParse(vector.keyBase64).success).toBe(true);
      const bytes = fromBase64(vector.keyBase64);
      expect(bytes.byteLength).toBe(16);
      expect(fromBase64Url(vector.contactCodeKey)).toEqual(bytes);
      expect(toBase64(sha256(bytes))).toBe(vector.storedHashBase64);
    }
  });

  it('refuse every listed wire value', () => {
    for (const refused of keys.refused) {
      expect(accessKeySchema.safeParse(refused.input).success, refused.reason).toBe(false);
    }
  });
});

describe('sender certificate vectors', () => {
  const roots = new Map(certificates.trustRoots.map((root) => [root.name, hex(root.publicKeyHex)]));

  it('have two relays with distinct trust roots', () => {
    expect(roots.size).toBe(2);
    expect(new Set(certificates.trustRoots.map((root) => root.publicKeyHex)).size).toBe(2);
  });

  it('are judged as documented under each root at each time', () => {
    let checked = 0;
    for (const vector of certificates.certificates) {
      const certificate = fromBase64(vector.certificateBase64);
      for (const check of vector.checks) {
        const root = roots.get(check.trustRoot);
        if (root === undefined) throw new Error(`unknown trust root ${check.trustRoot}`);
        const judged = () => validateSenderCertificate(certificate, root, check.at);
        if (check.valid) {
          expect(judged().sender, `${vector.name} under ${check.trustRoot}`).toEqual(check.sender);
        } else {
          expect(judged, `${vector.name} under ${check.trustRoot} at ${check.at}`).toThrow(
            expect.objectContaining({ code: check.error }),
          );
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it('say whether the account id commits to the key, and only such certificates are read', () => {
    for (const vector of certificates.certificates) {
      const certificate = fromBase64(vector.certificateBase64);
      if (vector.idCommitsToKey) {
        expect(readSenderCertificate(certificate).sender.accountId).toBe(vector.names.accountId);
      } else {
        expect(() => readSenderCertificate(certificate), vector.name).toThrow(
          expect.objectContaining({ code: 'INVALID_CERTIFICATE' }),
        );
      }
    }
    expect(certificates.certificates.some((vector) => !vector.idCommitsToKey)).toBe(true);
  });
});
