/** Safety numbers (docs/protocol.md §5, Safety numbers). */

import { toHex } from '../src/encoding.js';
import { compareScannedFingerprint, computeSafetyNumber } from '../src/signal/safety-number.js';
import { ALICE, BOB, CAROL } from './identities.js';
import { refusal } from './refusal.js';
import type { FixedIdentity, SafetyNumberVectors } from './types.js';

function party(identity: FixedIdentity) {
  return { accountId: identity.accountId, identityKey: Buffer.from(identity.publicKeyHex, 'hex') };
}

function pair(local: FixedIdentity, remote: FixedIdentity): SafetyNumberVectors['pairs'][number] {
  const ours = computeSafetyNumber(party(local), party(remote));
  const theirs = computeSafetyNumber(party(remote), party(local));
  if (ours.digits !== theirs.digits) throw new Error('the two sides see different digits');
  compareScannedFingerprint(ours, theirs.scannable);
  return {
    local: local.name,
    remote: remote.name,
    digits: ours.digits,
    localScannableHex: toHex(ours.scannable),
    remoteScannableHex: toHex(theirs.scannable),
  };
}

export function safetyNumberVectors(): SafetyNumberVectors {
  const ours = computeSafetyNumber(party(ALICE), party(BOB));
  return {
    description:
      "Safety numbers: libsignal Fingerprint version 2, 5200 iterations, identifiers the UTF-8 account ids, keys the 33-byte identity keys. Both sides see the same 60 digits; each side shows its own scannable form, and comparing it with the other side's succeeds.",
    backs: ['docs/protocol.md §5 Safety numbers'],
    identities: [ALICE, BOB, CAROL],
    pairs: [pair(ALICE, BOB), pair(ALICE, CAROL), pair(BOB, CAROL)],
    invalidScans: [
      ['', 'no bytes'],
      ['00010203', 'bytes that are no fingerprint'],
    ].map(([hex = '', reason = '']) =>
      refusal(hex, reason, (input) => compareScannedFingerprint(ours, Buffer.from(input, 'hex'))),
    ),
  };
}
