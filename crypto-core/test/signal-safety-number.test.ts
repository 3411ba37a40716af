import { describe, expect, it } from 'vitest';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import { generateIdentity, type LocalIdentity } from '../src/signal/identity.js';
import { compareScannedFingerprint, computeSafetyNumber } from '../src/signal/safety-number.js';

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    return ParleyCryptoError.is(error) ? error.code : `not a ParleyCryptoError: ${String(error)}`;
  }
  return undefined;
}

const party = (identity: LocalIdentity) => ({ accountId: identity.accountId, identityKey: identity.identityKey });

describe('safety numbers', () => {
  const alice = generateIdentity();
  const bob = generateIdentity();
  const aliceView = computeSafetyNumber(party(alice), party(bob));
  const bobView = computeSafetyNumber(party(bob), party(alice));

  it('are 60 digits and equal on both sides', () => {
    expect(aliceView.digits).toMatch(/^\d{60}$/);
    expect(bobView.digits).toBe(aliceView.digits);
    expect(computeSafetyNumber(party(alice), party(bob))).toEqual(aliceView);
  });

  it('change when either key changes', () => {
    const newBob = generateIdentity();
    // Same account id text, new key: what an identity change looks like to the UI.
    const changed = computeSafetyNumber(party(alice), { accountId: bob.accountId, identityKey: newBob.identityKey });
    expect(changed.digits).not.toBe(aliceView.digits);
    const other = computeSafetyNumber(party(generateIdentity()), party(bob));
    expect(other.digits).not.toBe(aliceView.digits);
  });

  it('match when the scanned code is the other side of the same keys', () => {
    expect(() => compareScannedFingerprint(aliceView, bobView.scannable)).not.toThrow();
    expect(() => compareScannedFingerprint(bobView, aliceView.scannable)).not.toThrow();
  });

  it('say mismatch for other keys, and refuse garbage', () => {
    const mallory = generateIdentity();
    const intercepted = computeSafetyNumber(party(bob), {
      accountId: alice.accountId,
      identityKey: mallory.identityKey,
    });
    expect(codeOf(() => compareScannedFingerprint(aliceView, intercepted.scannable))).toBe(
      CryptoErrorCode.FingerprintMismatch,
    );
    // Our own code scanned back (a mirror) is not the other side.
    expect(codeOf(() => compareScannedFingerprint(aliceView, aliceView.scannable))).toBe(
      CryptoErrorCode.FingerprintMismatch,
    );
    expect(codeOf(() => compareScannedFingerprint(aliceView, new Uint8Array([1, 2, 3])))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    expect(codeOf(() => compareScannedFingerprint(aliceView, new Uint8Array(0)))).toBe(CryptoErrorCode.InvalidEncoding);
  });

  it('refuse malformed parties', () => {
    expect(codeOf(() => computeSafetyNumber({ accountId: 'nope', identityKey: alice.identityKey }, party(bob)))).toBe(
      CryptoErrorCode.InvalidEncoding,
    );
    expect(
      codeOf(() => computeSafetyNumber(party(alice), { accountId: bob.accountId, identityKey: new Uint8Array(33) })),
    ).toBe(CryptoErrorCode.InvalidEncoding);
  });
});
