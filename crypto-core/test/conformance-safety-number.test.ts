/**
 * Conformance vectors for safety numbers (docs/conformance.md;
 * docs/protocol.md §5 Safety numbers): fixed identity keys give fixed digits
 * and scannable forms on both sides.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/encoding.js';
import { compareScannedFingerprint, computeSafetyNumber } from '../src/signal/safety-number.js';
import type { FixedIdentity, SafetyNumberVectors } from '../vectors/types.js';
import { expectRefused, hex, loadVectors } from './support/conformance-vectors.js';

const file = loadVectors<SafetyNumberVectors>('safety-numbers.json');

function party(name: string) {
  const identity = file.identities.find((candidate: FixedIdentity) => candidate.name === name);
  if (identity === undefined) throw new Error(`no identity ${name} in the vectors`);
  return { accountId: identity.accountId, identityKey: hex(identity.publicKeyHex) };
}

describe('safety number vectors', () => {
  it('give both sides the same digits and each side its scannable form', () => {
    expect(file.pairs.length).toBeGreaterThan(0);
    for (const pair of file.pairs) {
      const ours = computeSafetyNumber(party(pair.local), party(pair.remote));
      const theirs = computeSafetyNumber(party(pair.remote), party(pair.local));
      expect(ours.digits).toMatch(/^\d{60}$/);
      expect(ours.digits).toBe(pair.digits);
      expect(theirs.digits).toBe(pair.digits);
      expect(toHex(ours.scannable)).toBe(pair.localScannableHex);
      expect(toHex(theirs.scannable)).toBe(pair.remoteScannableHex);
    }
  });

  it("accept the other side's scanned form and refuse another pair's", async () => {
    const [first, second] = file.pairs;
    if (first === undefined || second === undefined) throw new Error('two pairs needed');
    const ours = computeSafetyNumber(party(first.local), party(first.remote));
    expect(() => compareScannedFingerprint(ours, hex(first.remoteScannableHex))).not.toThrow();
    await expectRefused(
      () => compareScannedFingerprint(ours, hex(second.remoteScannableHex)),
      'FINGERPRINT_MISMATCH',
      'the scanned code of another pair',
    );
    for (const vector of file.invalidScans) {
      await expectRefused(() => compareScannedFingerprint(ours, hex(vector.input)), vector.error, vector.reason);
    }
  });
});
