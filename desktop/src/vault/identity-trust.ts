/**
 * Contacts' identity keys as the user sees them: the trust level, safety
 * numbers, and the one decision the user makes (marking a key verified).
 *
 * There is no decision about which key to trust: an account id commits to
 * its key, so crypto-core's policy trusts that key and refuses any other as
 * a forgery (FORGED_IDENTITY); nothing here records, remembers or offers a
 * refused key. The recorded key is the one every session with the account
 * uses, and every safety number is computed from it.
 */
import {
  type AccountId,
  CryptoErrorCode,
  compareScannedFingerprint,
  computeSafetyNumber,
  ParleyCryptoError,
  trustIdentity,
} from '@parley/crypto-core';
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import { ApiErrorCode } from '../common/api-errors.js';
import type { ContactIdentity, SafetyNumber } from '../common/vault-api.js';
import { RecordKinds } from './record-kinds.js';
import type { UnlockedContext } from './unlocked-context.js';
import { protocolError } from './vault-errors.js';

export class IdentityTrust {
  readonly #context: UnlockedContext;

  constructor(context: UnlockedContext) {
    this.#context = context;
  }

  getContactIdentity(accountId: AccountId): ContactIdentity | null {
    const record = this.#context.records.get(RecordKinds.remoteIdentity, accountId);
    if (record === undefined) return null;
    return { accountId, trust: record.trust, updatedAt: record.updatedAt };
  }

  async setVerified(accountId: AccountId, verified: boolean): Promise<void> {
    const { records, store, now } = this.#context;
    const record = records.get(RecordKinds.remoteIdentity, accountId);
    if (record === undefined) throw this.#unknownIdentity();
    await records.transaction(async () => {
      await trustIdentity(store, accountId, record.identityKey, { verified, now: now() });
    });
  }

  getSafetyNumber(accountId: AccountId): SafetyNumber {
    const number = this.#computeSafetyNumber(accountId);
    return { digits: number.digits, scannable: toBase64(number.scannable) };
  }

  /** True when the scanned code is for the same two keys; INVALID_ENCODING when it is not a safety number at all. */
  compare(accountId: AccountId, scanned: string): { match: boolean } {
    const ours = this.#computeSafetyNumber(accountId);
    try {
      compareScannedFingerprint(ours, fromBase64(scanned));
      return { match: true };
    } catch (error) {
      if (ParleyCryptoError.is(error, CryptoErrorCode.FingerprintMismatch)) return { match: false };
      throw error;
    }
  }

  /** From the recorded key: the key the account id commits to, and the one its sessions use. */
  #computeSafetyNumber(accountId: AccountId) {
    const record = this.#context.records.get(RecordKinds.remoteIdentity, accountId);
    if (record === undefined) throw this.#unknownIdentity();
    const { identity } = this.#context;
    return computeSafetyNumber(
      { accountId: identity.accountId, identityKey: identity.identityKey },
      { accountId, identityKey: record.identityKey },
    );
  }

  #unknownIdentity() {
    return protocolError(
      ApiErrorCode.NoSession,
      'no identity key is known for this account yet: start a session first',
    );
  }
}
