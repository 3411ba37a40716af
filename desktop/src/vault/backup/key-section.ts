/**
 * The vault's part of a backup: this account's identity (unless the user
 * opted out) and the identity keys it trusts for contacts, with their trust
 * (so safety numbers and "verified" survive a restore). Sessions, prekeys,
 * sender keys and certificates are deliberately left out: a restored device
 * starts fresh ones (docs/backup-format.md §After a restore).
 */
import type { IdentityBackupRecord, TrustedIdentityBackupRecord } from '@parley/crypto-core';
import { toBase64 } from '@parley/crypto-core/encoding';
import { RecordKinds } from '../record-kinds.js';
import type { UnlockedContext } from '../unlocked-context.js';
import { storageError } from '../vault-errors.js';

export interface KeySection {
  readonly identity: IdentityBackupRecord | null;
  readonly trusted: readonly TrustedIdentityBackupRecord[];
}

export function readKeySection(context: UnlockedContext, includeIdentity: boolean): KeySection {
  const account = context.records.get(RecordKinds.localAccount);
  if (account === undefined) throw storageError('the vault has no identity to back up', null);
  const identity: IdentityBackupRecord | null = includeIdentity
    ? {
        type: 'identity',
        accountId: context.identity.accountId,
        deviceId: account.deviceId,
        registrationId: account.registrationId,
        identityKeyPair: toBase64(account.identityKeyPair),
      }
    : null;
  const trusted = context.records.entriesOfKind(RecordKinds.remoteIdentity).map(
    ({ parts, value }): TrustedIdentityBackupRecord => ({
      type: 'trusted-identity',
      accountId: parts[0] as TrustedIdentityBackupRecord['accountId'],
      identityKey: toBase64(value.identityKey),
      trust: value.trust,
      updatedAt: value.updatedAt,
    }),
  );
  return { identity, trusted };
}
