/**
 * Trust in contacts' identity keys: what the user sees (trust level, safety
 * numbers) and what the user decides (approve a changed key, mark verified).
 * The policy itself (first use only for the key the account id commits to,
 * never silently accept a change) is crypto-core's; this module remembers the
 * key that policy refused, so approving trusts exactly the key the user was
 * shown and not whatever arrives next.
 */
import {
  type AccountId,
  accountIdMatches,
  CryptoErrorCode,
  compareScannedFingerprint,
  computeSafetyNumber,
  ParleyCryptoError,
  trustIdentity,
  UntrustedIdentityError,
} from '@parley/crypto-core';
import { ApiErrorCode } from '../common/api-errors.js';
import type { ContactIdentity, SafetyNumber } from '../common/vault-api.js';
import { fromCheckedBase64, toBase64 } from './base64.js';
import { RecordKinds } from './record-kinds.js';
import type { UnlockedContext } from './unlocked-context.js';
import { invalidArgumentError, protocolError } from './vault-errors.js';

export class IdentityTrust {
  readonly #context: UnlockedContext;

  constructor(context: UnlockedContext) {
    this.#context = context;
  }

  /**
   * If `error` is a refused identity key, stages it (inside the caller's
   * transaction) as the key `approve` would trust, and returns the account.
   */
  rememberRefused(error: unknown): AccountId | null {
    if (!(error instanceof UntrustedIdentityError)) return null;
    const { accountId, identityKey } = error;
    if (accountId === null || identityKey === null) return null;
    if (accountId === this.#context.identity.accountId) return null;
    this.#context.records.set(RecordKinds.refusedIdentity, [accountId], {
      identityKey,
      refusedAt: this.#context.now(),
    });
    return accountId as AccountId;
  }

  getContactIdentity(accountId: AccountId): ContactIdentity | null {
    const record = this.#context.records.get(RecordKinds.remoteIdentity, accountId);
    if (record === undefined) return null;
    return {
      accountId,
      trust: record.trust,
      updatedAt: record.updatedAt,
      changed: record.previousIdentityKey !== null,
    };
  }

  /** Trusts the key that was last refused for `accountId`, and only that key. */
  async approve(accountId: AccountId): Promise<void> {
    const { records, store, now } = this.#context;
    const refused = records.get(RecordKinds.refusedIdentity, accountId);
    if (refused === undefined) throw invalidArgumentError('no changed identity key is waiting for approval');
    await records.transaction(async () => {
      await trustIdentity(store, accountId, refused.identityKey, { now: now() });
      records.delete(RecordKinds.refusedIdentity, accountId);
    });
  }

  async setVerified(accountId: AccountId, verified: boolean): Promise<void> {
    const { records, store, now } = this.#context;
    const record = records.get(RecordKinds.remoteIdentity, accountId);
    if (record === undefined) throw this.#unknownIdentity();
    await records.transaction(async () => {
      if (verified) {
        await trustIdentity(store, accountId, record.identityKey, { verified: true, now: now() });
        return;
      }
      // Back to how the key came to be trusted: on first use only the key the
      // account id commits to, with no approved change before it.
      const firstUse = record.previousIdentityKey === null && accountIdMatches(accountId, record.identityKey);
      await store.saveRemoteIdentity(accountId, {
        ...record,
        trust: firstUse ? 'first-use' : 'approved',
        updatedAt: now(),
      });
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
      compareScannedFingerprint(ours, fromCheckedBase64(scanned));
      return { match: true };
    } catch (error) {
      if (ParleyCryptoError.is(error, CryptoErrorCode.FingerprintMismatch)) return { match: false };
      throw error;
    }
  }

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
