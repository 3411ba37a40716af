/**
 * Conformance vectors for group changes (docs/conformance.md; docs/protocol.md
 * §10): the exact bytes signed, signatures that verify, the group id rule,
 * the fold of the set in any order, and the signed changes a receiver refuses.
 */
import { describe, expect, it } from 'vitest';
import { fromBase64, toHex, utf8 } from '../src/encoding.js';
import { GroupChangeSet } from '../src/group/change-set.js';
import { foldGroup } from '../src/group/fold.js';
import { groupIdFor } from '../src/group/group-id.js';
import { groupChangeSigningInput, verifyGroupChange } from '../src/group/signed-change.js';
import { verifyIdentitySignature } from '../src/signal/signatures.js';
import type { GroupChangeVectors, SignedGroupChangeVector } from '../vectors/types.js';
import { expectRefused, hex, loadVectors } from './support/conformance-vectors.js';

const file = loadVectors<GroupChangeVectors>('group-changes.json');

function signed(vector: SignedGroupChangeVector) {
  return { body: utf8(vector.body), signature: fromBase64(vector.signatureBase64) };
}

function keyOf(accountId: string): Uint8Array {
  const identity = file.identities.find((entry) => entry.accountId === accountId);
  if (identity === undefined) throw new Error(`no identity ${accountId}`);
  return hex(identity.publicKeyHex);
}

function setOf(vectors: readonly SignedGroupChangeVector[]): GroupChangeSet {
  return new GroupChangeSet(
    file.groupId.groupId,
    vectors.map((vector) => verifyGroupChange(signed(vector), verifyIdentitySignature)),
  );
}

describe('group change vectors', () => {
  it('sign "Parley group change v1" 0x00 || body with the author key', () => {
    expect(file.signingPrefixHex).toBe(toHex(utf8('Parley group change v1\0')));
    expect(file.changes.length).toBeGreaterThan(10);
    for (const vector of file.changes) {
      const author = (JSON.parse(vector.body) as { author: string }).author;
      const message = hex(file.signingPrefixHex + toHex(utf8(vector.body)));
      expect(toHex(groupChangeSigningInput(utf8(vector.body)))).toBe(toHex(message));
      expect(verifyIdentitySignature(keyOf(author), message, fromBase64(vector.signatureBase64)), vector.name).toBe(
        true,
      );
    }
  });

  it('derive the group id from the creator key and the create id', () => {
    expect(groupIdFor(keyOf(file.groupId.creator), file.groupId.createId)).toBe(file.groupId.groupId);
  });

  it('fold the set to the expected outcomes, state, next clock and digest, in any order of arrival', () => {
    const expected = {
      outcomes: file.fold.outcomes,
      state: file.fold.state,
      nextClock: file.fold.nextClock,
      digest: { count: file.fold.digest.count, sha256: file.fold.digest.sha256Base64 },
    };
    for (const order of [file.changes, [...file.changes].reverse()]) {
      const fold = foldGroup(setOf(order));
      expect({
        ...fold,
        outcomes: fold.outcomes.map(({ id, applied, reason, fallbackAdmin }) => ({
          id,
          applied,
          reason,
          fallbackAdmin,
        })),
      }).toEqual(expected);
    }
  });

  it('fold what a member holds part way through the arrivals (each prefix) with one outcome per change', () => {
    for (let length = 1; length <= file.changes.length; length++) {
      const fold = foldGroup(setOf(file.changes.slice(0, length)));
      expect(fold.outcomes).toHaveLength(length);
      expect(fold.nextClock).toBeLessThanOrEqual(file.fold.nextClock);
    }
  });

  it('refuse every signed change in `refused`, with its code', async () => {
    expect(file.refused.length).toBeGreaterThan(5);
    for (const vector of file.refused) {
      await expectRefused(
        () => verifyGroupChange(signed(vector.input), verifyIdentitySignature),
        vector.error,
        vector.reason,
      );
    }
  });

  it('refuse a change whose id the set holds with other bytes', async () => {
    for (const vector of file.conflicts) {
      const set = setOf(file.changes);
      const change = verifyGroupChange(signed(vector.input), verifyIdentitySignature);
      await expectRefused(() => set.add(change), vector.error, vector.reason);
    }
  });
});
