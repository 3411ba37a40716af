/**
 * The PostgreSQL store's prekeys: uploads (under the device row's lock, so
 * two uploads for one device cannot both pass its limit) and bundle claims.
 *
 * A claim is one statement: it picks the device's lowest one-time key with
 * FOR UPDATE SKIP LOCKED and deletes it. A claim running at the same time on
 * another connection or node skips the row the first one locked and takes
 * the next, so no key is handed out twice and no claim waits for another;
 * a plain `min(key_id)` would make the loser re-check a deleted row and come
 * back empty while keys remain.
 */
import { toBase64 } from '@parley/crypto-core/encoding';
import type { AccountId } from '@parley/crypto-core/wire';
import type pg from 'pg';
import { type DecodedOneTimeKeys, decodeReplenish } from './decoded-keys.js';
import type { ClaimedBundle, PreKeyLimits, PreKeyReplenish } from './relay-store.js';
import { type PreKeyKind, preKeyIdConflict, tooManyPreKeys, unknownDevice } from './relay-store-errors.js';
import type { BundleDeviceRow } from './sqlite-statements.js';

/** Inserts one-time keys, keeping ids already stored (the caller checked they hold the same keys). */
export async function insertOneTimeKeys(
  client: pg.PoolClient,
  accountId: AccountId,
  deviceId: number,
  keys: DecodedOneTimeKeys,
): Promise<void> {
  if (keys.preKeys.length > 0) {
    await client.query(
      `INSERT INTO one_time_prekeys (account_id, device_id, key_id, public_key)
       SELECT $1, $2, key_id, public_key FROM unnest($3::integer[], $4::bytea[]) AS k (key_id, public_key)
       ON CONFLICT (account_id, device_id, key_id) DO NOTHING`,
      [accountId, deviceId, keys.preKeys.map((key) => key.keyId), keys.preKeys.map((key) => key.publicKey)],
    );
  }
  if (keys.kyberPreKeys.length > 0) {
    await client.query(
      `INSERT INTO kyber_prekeys (account_id, device_id, key_id, public_key, signature)
       SELECT $1, $2, key_id, public_key, signature
       FROM unnest($3::integer[], $4::bytea[], $5::bytea[]) AS k (key_id, public_key, signature)
       ON CONFLICT (account_id, device_id, key_id) DO NOTHING`,
      [
        accountId,
        deviceId,
        keys.kyberPreKeys.map((key) => key.keyId),
        keys.kyberPreKeys.map((key) => key.publicKey),
        keys.kyberPreKeys.map((key) => key.signature),
      ],
    );
  }
}

const PREKEY_TABLES: Readonly<Record<PreKeyKind, string>> = {
  preKeys: 'one_time_prekeys',
  kyberPreKeys: 'kyber_prekeys',
};

/** PREKEY_ID_CONFLICT when an id of the upload is stored with another public key. */
async function assertNoConflict(
  client: pg.PoolClient,
  accountId: AccountId,
  deviceId: number,
  kind: PreKeyKind,
  keys: readonly { readonly keyId: number; readonly publicKey: Buffer }[],
): Promise<void> {
  if (keys.length === 0) return;
  const { rows } = await client.query<{ key_id: number; public_key: Buffer }>(
    `SELECT key_id, public_key FROM ${PREKEY_TABLES[kind]}
     WHERE account_id = $1 AND device_id = $2 AND key_id = ANY($3::integer[])`,
    [accountId, deviceId, keys.map((key) => key.keyId)],
  );
  const stored = new Map(rows.map((row) => [row.key_id, row.public_key]));
  for (const key of keys) {
    const publicKey = stored.get(key.keyId);
    if (publicKey !== undefined && !publicKey.equals(key.publicKey)) throw preKeyIdConflict(kind, key.keyId);
  }
}

/** RelayStore.storePreKeys inside the caller's transaction. */
export async function storePreKeysIn(
  client: pg.PoolClient,
  accountId: AccountId,
  deviceId: number,
  keys: PreKeyReplenish,
  limits: PreKeyLimits,
): Promise<void> {
  const { signed, lastResort, oneTimeKeys } = decodeReplenish(keys);
  const device = [accountId, deviceId] as const;
  const locked = await client.query('SELECT 1 FROM devices WHERE account_id = $1 AND device_id = $2 FOR UPDATE', [
    ...device,
  ]);
  if (locked.rowCount === 0) throw unknownDevice(accountId, deviceId);
  if (signed !== null) {
    await client.query(
      `UPDATE devices SET signed_prekey_id = $3, signed_prekey = $4, signed_prekey_signature = $5
       WHERE account_id = $1 AND device_id = $2`,
      [...device, signed.keyId, signed.publicKey, signed.signature],
    );
  }
  if (lastResort !== null) {
    await client.query(
      `UPDATE devices SET last_resort_kyber_id = $3, last_resort_kyber_prekey = $4, last_resort_kyber_signature = $5
       WHERE account_id = $1 AND device_id = $2`,
      [...device, lastResort.keyId, lastResort.publicKey, lastResort.signature],
    );
  }
  await assertNoConflict(client, accountId, deviceId, 'preKeys', oneTimeKeys.preKeys);
  await assertNoConflict(client, accountId, deviceId, 'kyberPreKeys', oneTimeKeys.kyberPreKeys);
  await insertOneTimeKeys(client, accountId, deviceId, oneTimeKeys);
  const counts = await countPreKeysWith(client, accountId, deviceId);
  if (counts.preKeys > limits.maxPreKeys) throw tooManyPreKeys('preKeys', limits.maxPreKeys);
  if (counts.kyberPreKeys > limits.maxKyberPreKeys) throw tooManyPreKeys('kyberPreKeys', limits.maxKyberPreKeys);
}

export async function countPreKeysWith(
  queryable: pg.Pool | pg.PoolClient,
  accountId: AccountId,
  deviceId: number,
): Promise<{ preKeys: number; kyberPreKeys: number }> {
  const { rows } = await queryable.query<{ pre_keys: number; kyber_pre_keys: number }>(
    `SELECT
       (SELECT count(*) FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2) AS pre_keys,
       (SELECT count(*) FROM kyber_prekeys WHERE account_id = $1 AND device_id = $2) AS kyber_pre_keys`,
    [accountId, deviceId],
  );
  return { preKeys: rows[0]?.pre_keys ?? 0, kyberPreKeys: rows[0]?.kyber_pre_keys ?? 0 };
}

interface ClaimRow extends BundleDeviceRow {
  readonly pre_key_id: number | null;
  readonly pre_key: Buffer | null;
  readonly kyber_id: number | null;
  readonly kyber_key: Buffer | null;
  readonly kyber_signature: Buffer | null;
}

/** RelayStore.claimBundle: one statement, atomic on its own. */
export async function claimBundleWith(
  pool: pg.Pool,
  accountId: AccountId,
  deviceId: number,
): Promise<ClaimedBundle | null> {
  const { rows } = await pool.query<ClaimRow>(
    `WITH pre AS (
       DELETE FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2 AND key_id = (
         SELECT key_id FROM one_time_prekeys WHERE account_id = $1 AND device_id = $2
         ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING key_id, public_key),
     kyber AS (
       DELETE FROM kyber_prekeys WHERE account_id = $1 AND device_id = $2 AND key_id = (
         SELECT key_id FROM kyber_prekeys WHERE account_id = $1 AND device_id = $2
         ORDER BY key_id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING key_id, public_key, signature)
     SELECT d.registration_id, a.identity_key, d.signed_prekey_id, d.signed_prekey, d.signed_prekey_signature,
       d.last_resort_kyber_id, d.last_resort_kyber_prekey, d.last_resort_kyber_signature,
       pre.key_id AS pre_key_id, pre.public_key AS pre_key,
       kyber.key_id AS kyber_id, kyber.public_key AS kyber_key, kyber.signature AS kyber_signature
     FROM devices AS d JOIN accounts AS a ON a.account_id = d.account_id
       LEFT JOIN pre ON true LEFT JOIN kyber ON true
     WHERE d.account_id = $1 AND d.device_id = $2`,
    [accountId, deviceId],
  );
  const row = rows[0];
  if (row === undefined) return null;
  const kyberTaken =
    row.kyber_id === null || row.kyber_key === null || row.kyber_signature === null
      ? null
      : { keyId: row.kyber_id, publicKey: toBase64(row.kyber_key), signature: toBase64(row.kyber_signature) };
  return {
    accountId,
    deviceId,
    registrationId: row.registration_id,
    identityKey: toBase64(row.identity_key),
    signedPreKey: {
      keyId: row.signed_prekey_id,
      publicKey: toBase64(row.signed_prekey),
      signature: toBase64(row.signed_prekey_signature),
    },
    preKey:
      row.pre_key_id === null || row.pre_key === null
        ? null
        : { keyId: row.pre_key_id, publicKey: toBase64(row.pre_key) },
    // No one-time Kyber key left: the last-resort one, which is never consumed.
    kyberPreKey: kyberTaken ?? {
      keyId: row.last_resort_kyber_id,
      publicKey: toBase64(row.last_resort_kyber_prekey),
      signature: toBase64(row.last_resort_kyber_signature),
    },
    kyberPreKeyIsLastResort: kyberTaken === null,
  };
}
