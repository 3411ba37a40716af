/**
 * The PostgreSQL store's accounts: lookups, registration (with the admission
 * of a new account and its invite), access keys and erasure. Key fields are
 * decoded before a transaction begins; a refusal thrown inside one rolls all
 * of it back (an invite and a takeover's dropped queue included).
 *
 * Concurrent registrations of one new account meet on the accounts primary
 * key: the second INSERT waits for the first to commit and then does
 * nothing, and compares identity keys like any re-registration.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import type pg from 'pg';
import { decodeRegistration } from './decoded-keys.js';
import { insertOneTimeKeys } from './postgres-prekeys.js';
import { lockExistingQueueUsage } from './postgres-queue-locks.js';
import type {
  AccessKeyHashes,
  AccountAdmission,
  DeviceRegistration,
  RegisteredDevice,
  RegistrationRules,
  StoredAccount,
} from './relay-store.js';
import { accountRefused, tooManyPreKeys } from './relay-store-errors.js';
import { accountFromRows } from './sqlite-accounts.js';
import type { AccountDeviceRow } from './sqlite-statements.js';
import { decodeCanonicalBase64 } from './store-input.js';
import { inviteToConsume } from './store-limits.js';

/**
 * One statement, so the devices come from the same snapshot as the account.
 * No cache: another node may change the account at any time, and this is one
 * indexed lookup.
 */
export async function readAccount(pool: pg.Pool, accountId: AccountId): Promise<StoredAccount | null> {
  const { rows } = await pool.query<AccountDeviceRow>(
    `SELECT a.identity_key, a.created_at, d.device_id, d.registration_id, d.created_at AS device_created_at,
       d.installation_id, d.generation, k.code_key_hash, k.contact_key_hash
     FROM accounts AS a LEFT JOIN devices AS d ON d.account_id = a.account_id
       LEFT JOIN access_keys AS k ON k.account_id = a.account_id
     WHERE a.account_id = $1
     ORDER BY d.device_id`,
    [accountId],
  );
  return accountFromRows(accountId, rows);
}

/** Lets a new account in under `admission`, consuming its invite (rolled back with a failed transaction). */
async function admitNewAccount(client: pg.PoolClient, admission: AccountAdmission, now: number): Promise<void> {
  const hash = inviteToConsume(admission);
  if (hash === null) return;
  const taken = await client.query('DELETE FROM invites WHERE code_hash = $1 AND expires_at > $2', [hash, now]);
  if (taken.rowCount === 0) throw accountRefused('INVITE_INVALID');
}

/** Deletes one device's queue after locking its usage row (the store's lock order, postgres-queue-locks.ts). */
async function dropQueue(client: pg.PoolClient, accountId: AccountId, deviceId: number): Promise<number> {
  await lockExistingQueueUsage(client, [{ recipient: accountId, deviceId }]);
  const dropped = await client.query('DELETE FROM envelopes WHERE recipient = $1 AND device_id = $2', [
    accountId,
    deviceId,
  ]);
  return dropped.rowCount ?? 0;
}

/** RelayStore.registerDevice inside the caller's transaction; null (to roll back) for another identity key. */
export async function registerDeviceIn(
  client: pg.PoolClient,
  registration: DeviceRegistration,
  rules: RegistrationRules,
): Promise<RegisteredDevice | null> {
  const { identityKey, installationId, generation, signed, lastResort, oneTimeKeys } = decodeRegistration(registration);
  const { accountId, deviceId } = registration;

  const created = await client.query(
    `INSERT INTO accounts (account_id, identity_key, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (account_id) DO NOTHING`,
    [accountId, identityKey, registration.now],
  );
  if (created.rowCount === 1) {
    await admitNewAccount(client, rules.admission, registration.now);
  } else {
    const existing = await client.query<{ identity_key: Buffer }>(
      'SELECT identity_key FROM accounts WHERE account_id = $1 FOR UPDATE',
      [accountId],
    );
    const stored = existing.rows[0]?.identity_key;
    if (stored !== undefined && !stored.equals(identityKey)) return null;
  }
  const previous = await client.query<{ installation_id: Buffer | null }>(
    'SELECT installation_id FROM devices WHERE account_id = $1 AND device_id = $2 FOR UPDATE',
    [accountId, deviceId],
  );
  const previousRow = previous.rows[0];
  const takenOver = previousRow !== undefined && !(previousRow.installation_id?.equals(installationId) ?? false);
  const droppedEnvelopes = takenOver ? await dropQueue(client, accountId, deviceId) : 0;
  await client.query(
    `INSERT INTO devices (account_id, device_id, installation_id, generation, registration_id, created_at,
       signed_prekey_id, signed_prekey, signed_prekey_signature,
       last_resort_kyber_id, last_resort_kyber_prekey, last_resort_kyber_signature)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (account_id, device_id) DO UPDATE SET
       installation_id = excluded.installation_id, generation = excluded.generation,
       registration_id = excluded.registration_id, signed_prekey_id = excluded.signed_prekey_id,
       signed_prekey = excluded.signed_prekey, signed_prekey_signature = excluded.signed_prekey_signature,
       last_resort_kyber_id = excluded.last_resort_kyber_id,
       last_resort_kyber_prekey = excluded.last_resort_kyber_prekey,
       last_resort_kyber_signature = excluded.last_resort_kyber_signature`,
    [
      accountId,
      deviceId,
      installationId,
      decodeCanonicalBase64(generation, 'generation'),
      registration.registrationId,
      registration.now,
      signed.keyId,
      signed.publicKey,
      signed.signature,
      lastResort.keyId,
      lastResort.publicKey,
      lastResort.signature,
    ],
  );
  await client.query('DELETE FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2', [accountId, deviceId]);
  await client.query('DELETE FROM kyber_prekeys WHERE account_id = $1 AND device_id = $2', [accountId, deviceId]);
  // The device's keys were all replaced, so the upload's distinct keys are its count.
  const { maxPreKeys, maxKyberPreKeys } = rules.preKeyLimits;
  if (oneTimeKeys.preKeys.length > maxPreKeys) throw tooManyPreKeys('preKeys', maxPreKeys);
  if (oneTimeKeys.kyberPreKeys.length > maxKyberPreKeys) throw tooManyPreKeys('kyberPreKeys', maxKyberPreKeys);
  await insertOneTimeKeys(client, accountId, deviceId, oneTimeKeys);
  return { generation, takenOver, droppedEnvelopes };
}

/** Replaces the account's access-key hashes; false when there is no such account. */
export async function setAccessKeysIn(pool: pg.Pool, accountId: AccountId, keys: AccessKeyHashes): Promise<boolean> {
  const codeKeyHash = decodeCanonicalBase64(keys.codeKeyHash, 'code key hash');
  const contactKeyHash = decodeCanonicalBase64(keys.contactKeyHash, 'contact key hash');
  const result = await pool.query(
    `INSERT INTO access_keys (account_id, code_key_hash, contact_key_hash)
     SELECT account_id, $2, $3 FROM accounts WHERE account_id = $1
     ON CONFLICT (account_id) DO UPDATE SET
       code_key_hash = excluded.code_key_hash, contact_key_hash = excluded.contact_key_hash`,
    [accountId, codeKeyHash, contactKeyHash],
  );
  return (result.rowCount ?? 0) > 0;
}

/**
 * Erases the account (devices, keys and access keys cascade), the envelopes
 * to it and its unsealed ones to others, its challenges, send usage and the
 * usage rows of its queues, inside the caller's transaction.
 *
 * In the store's lock order (postgres-queue-locks.ts): the account row, its
 * send-usage rows, the usage rows of every queue holding envelopes to or
 * from it, sorted, and only then the envelopes. A send from the account
 * that commits meanwhile to a queue not seen yet is still deleted, its
 * usage row then locked out of order (the retry's case).
 */
export async function deleteAccountIn(client: pg.PoolClient, accountId: AccountId): Promise<boolean> {
  await client.query('SELECT 1 FROM accounts WHERE account_id = $1 FOR UPDATE', [accountId]);
  await client.query('DELETE FROM send_usage WHERE account_id = $1', [accountId]);
  const { rows: queues } = await client.query<{ recipient: string; device_id: number }>(
    `SELECT recipient, device_id FROM queue_usage WHERE recipient = $1
     UNION SELECT DISTINCT recipient, device_id FROM envelopes WHERE source_account = $1`,
    [accountId],
  );
  await lockExistingQueueUsage(
    client,
    queues.map((queue) => ({ recipient: queue.recipient, deviceId: queue.device_id })),
  );
  await client.query('DELETE FROM envelopes WHERE recipient = $1', [accountId]);
  await client.query('DELETE FROM envelopes WHERE source_account = $1', [accountId]);
  await client.query('DELETE FROM challenges WHERE account_id = $1', [accountId]);
  await client.query('DELETE FROM queue_usage WHERE recipient = $1', [accountId]);
  const deleted = await client.query('DELETE FROM accounts WHERE account_id = $1', [accountId]);
  return (deleted.rowCount ?? 0) > 0;
}
