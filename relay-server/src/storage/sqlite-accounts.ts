/**
 * The SQLite store's account reads and writes: getAccount through the
 * account cache (account-cache.ts), kept fresh across processes by PRAGMA
 * data_version; access-key hashes; and account deletion with everything that
 * names the account.
 */
import { toBase64 } from '@parley/crypto-core/encoding';
import type { AccountId } from '@parley/crypto-core/wire';
import { AccountCache } from './account-cache.js';
import type { AccessKeyHashes, StoredAccount, StoredDevice } from './relay-store.js';
import type { SqliteWriter } from './sqlite-prekeys.js';
import type { AccountDeviceRow, SqliteStatements } from './sqlite-statements.js';
import { decodeCanonicalBase64 } from './store-input.js';

/** Accounts kept by the account cache (a few hundred bytes each). */
const ACCOUNT_CACHE_ENTRIES = 10_000;
/**
 * Checking for other processes' commits costs a statement (PRAGMA
 * data_version, as much as the lookup itself), so it runs at most this often.
 */
export const DEFAULT_ACCOUNT_CACHE_MAX_STALENESS_MS = 100;

/** The account the rows of selectAccountWithDevices describe (no rows: none). */
export function accountFromRows(accountId: AccountId, rows: readonly AccountDeviceRow[]): StoredAccount | null {
  const account = rows[0];
  if (account === undefined) return null;
  const devices: StoredDevice[] = [];
  for (const row of rows) {
    if (
      row.device_id === null ||
      row.registration_id === null ||
      row.device_created_at === null ||
      row.generation === null
    ) {
      continue;
    }
    devices.push({
      deviceId: row.device_id,
      registrationId: row.registration_id,
      createdAt: row.device_created_at,
      installationId: row.installation_id === null ? null : toBase64(row.installation_id),
      generation: toBase64(row.generation),
    });
  }
  return {
    accountId,
    identityKey: toBase64(account.identity_key),
    createdAt: account.created_at,
    devices,
    accessKeys:
      account.code_key_hash === null || account.contact_key_hash === null
        ? null
        : {
            codeKeyHash: toBase64(account.code_key_hash),
            contactKeyHash: toBase64(account.contact_key_hash),
          },
  };
}

/**
 * getAccount answers. The store's own writes forget what they change; a
 * commit by any other connection (another process on the same file) changes
 * `data_version`, which empties the cache when next checked.
 */
export class SqliteAccountReader {
  readonly #accounts = new AccountCache(ACCOUNT_CACHE_ENTRIES);
  readonly #maxStalenessMs: number;
  #dataVersion: number | null = null;
  #dataVersionCheckedAt = Number.NEGATIVE_INFINITY;

  /** `maxStalenessMs`: how long another process's change may stay unseen (0: never; Infinity: the owner calls `reset()` when one happened). */
  constructor(maxStalenessMs: number) {
    this.#maxStalenessMs = maxStalenessMs;
  }

  read(statements: SqliteStatements, accountId: AccountId): StoredAccount | null {
    this.#forgetAccountsChangedElsewhere(statements);
    const cached = this.#accounts.get(accountId);
    if (cached !== undefined) return cached;
    // One statement, so the devices come from the same snapshot as the account row.
    const account = accountFromRows(accountId, statements.selectAccountWithDevices.all(accountId));
    return account === null ? null : this.#accounts.remember(account);
  }

  /** Called after every write to the account, committed or not. */
  forget(accountId: AccountId): void {
    this.#accounts.forget(accountId);
  }

  /** Forgets everything (the connection closed). */
  reset(): void {
    this.#accounts.clear();
    this.#dataVersion = null;
    this.#dataVersionCheckedAt = Number.NEGATIVE_INFINITY;
  }

  /** Empties the account cache if another connection committed since the last check (checked at most so often). */
  #forgetAccountsChangedElsewhere(statements: SqliteStatements): void {
    const now = performance.now();
    if (now - this.#dataVersionCheckedAt < this.#maxStalenessMs) return;
    this.#dataVersionCheckedAt = now;
    const dataVersion = statements.dataVersion.get()?.data_version ?? null;
    if (dataVersion !== this.#dataVersion) {
      this.#accounts.clear();
      this.#dataVersion = dataVersion;
    }
  }
}

/** Replaces the account's access-key hashes; false when there is no such account. */
export function setAccessKeysIn(statements: SqliteStatements, accountId: AccountId, keys: AccessKeyHashes): boolean {
  const params = {
    account: accountId,
    codeKeyHash: decodeCanonicalBase64(keys.codeKeyHash, 'code key hash'),
    contactKeyHash: decodeCanonicalBase64(keys.contactKeyHash, 'contact key hash'),
  };
  return statements.upsertAccessKeys.run(params).changes > 0;
}

/** Deletes the account (devices and keys cascade), its envelopes either way, challenges and send usage: one transaction. */
export function deleteAccountIn(writer: SqliteWriter, accountId: AccountId): boolean {
  const { db, statements, limitStatements } = writer;
  const erase = db.transaction((): boolean => {
    statements.deleteEnvelopesTo.run(accountId);
    statements.deleteEnvelopesFrom.run(accountId);
    statements.deleteChallengesOf.run(accountId);
    limitStatements.deleteSendUsageOf.run(accountId);
    return statements.deleteAccount.run(accountId).changes > 0;
  });
  return erase.immediate();
}
