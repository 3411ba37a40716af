/**
 * Safety numbers (docs/protocol.md §Safety numbers): libsignal fingerprints,
 * version 2, 5200 iterations, with each side's identifier being the UTF-8
 * bytes of its account id (the 32-character text). Both sides compute the
 * same 60 digits; the scannable form (a QR payload) is compared crosswise by
 * libsignal.
 */
import { Fingerprint, PublicKey, ScannableFingerprint } from '@signalapp/libsignal-client';
import { isAccountId } from '../address/account-id.js';
import { type Bytes, bytes, utf8 } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';

export const FINGERPRINT_VERSION = 2;
export const FINGERPRINT_ITERATIONS = 5200;

export interface SafetyNumberParty {
  readonly accountId: string;
  /** 33-byte serialized identity public key. */
  readonly identityKey: Uint8Array;
}

export interface SafetyNumber {
  /** 60 decimal digits; the UI shows them as 12 groups of 5. */
  readonly digits: string;
  /** Bytes for the QR code the other side scans. */
  readonly scannable: Bytes;
}

function partyKey(party: SafetyNumberParty): PublicKey {
  if (!isAccountId(party.accountId)) throw invalidInput(CryptoErrorCode.InvalidEncoding, 'not an account id');
  try {
    return PublicKey.deserialize(bytes(party.identityKey));
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, 'identity key is not a public key', error);
  }
}

/** The safety number between our identity and a contact's. */
export function computeSafetyNumber(local: SafetyNumberParty, remote: SafetyNumberParty): SafetyNumber {
  const localKey = partyKey(local);
  const remoteKey = partyKey(remote);
  let fingerprint: Fingerprint;
  try {
    fingerprint = Fingerprint.new(
      FINGERPRINT_ITERATIONS,
      FINGERPRINT_VERSION,
      utf8(local.accountId),
      localKey,
      utf8(remote.accountId),
      remoteKey,
    );
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.Internal, 'fingerprint computation failed', error);
  }
  return {
    digits: fingerprint.displayableFingerprint().toString(),
    scannable: fingerprint.scannableFingerprint().toBuffer(),
  };
}

/**
 * Compares the code scanned from the contact's screen with ours. Returns
 * normally when both sides hold the same two keys; throws FINGERPRINT_MISMATCH
 * when the keys differ, INVALID_ENCODING when the scanned bytes are not a
 * version-2 fingerprint.
 */
export function compareScannedFingerprint(ours: SafetyNumber, scanned: Uint8Array): void {
  if (!(scanned instanceof Uint8Array))
    throw invalidInput(CryptoErrorCode.InvalidEncoding, 'scanned code must be bytes');
  let matches: boolean;
  try {
    matches = ScannableFingerprint._fromBuffer(ours.scannable).compare(
      ScannableFingerprint._fromBuffer(bytes(scanned)),
    );
  } catch (error) {
    // Unparsable, or another fingerprint version (an empty or random buffer
    // parses as "version 0"): either way not a Parley safety number.
    throw new ParleyCryptoError(CryptoErrorCode.InvalidEncoding, 'scanned code is not a safety number', error);
  }
  if (!matches) {
    throw invalidInput(CryptoErrorCode.FingerprintMismatch, 'scanned safety number belongs to other keys');
  }
}
