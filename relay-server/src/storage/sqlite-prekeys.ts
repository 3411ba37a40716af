/**
 * The SQLite store's device and prekey writes: registration (with the
 * admission of a new account and its invite), prekey uploads and bundle
 * claims. Each function runs one BEGIN IMMEDIATE transaction; key fields are
 * decoded before it begins, so a refused argument never leaves one half done,
 * and a refusal thrown inside rolls everything back (an invite included).
 */
import { toBase64 } from '@parley/crypto-core/encoding';
import type { AccountId, SignedPreKeyWire } from '@parley/crypto-core/wire';
import type Database from 'better-sqlite3';
import { type DecodedOneTimeKeys, decodeRegistration, decodeReplenish } from './decoded-keys.js';
import type {
  AccountAdmission,
  ClaimedBundle,
  DeviceRegistration,
  PreKeyLimits,
  PreKeyReplenish,
  RegisteredDevice,
  RegistrationRules,
} from './relay-store.js';
import { accountRefused, preKeyIdConflict, tooManyPreKeys, unknownDevice } from './relay-store-errors.js';
import type { SqliteLimitStatements } from './sqlite-limit-statements.js';
import type { DeviceKey, SqliteStatements } from './sqlite-statements.js';
import { decodeCanonicalBase64 } from './store-input.js';
import { inviteToConsume } from './store-limits.js';

export interface SqliteWriter {
  readonly db: Database.Database;
  readonly statements: SqliteStatements;
  readonly limitStatements: SqliteLimitStatements;
}

/**
 * Adds one-time keys to a device inside a transaction: an id already stored
 * with the same public key stays as it is, with another key it is
 * PREKEY_ID_CONFLICT; then the counts must fit `limits`.
 */
function addOneTimeKeys(writer: SqliteWriter, device: DeviceKey, keys: DecodedOneTimeKeys, limits: PreKeyLimits): void {
  const { statements, limitStatements } = writer;
  for (const key of keys.preKeys) {
    if (statements.insertPreKey.run({ ...device, ...key }).changes > 0) continue;
    const stored = limitStatements.selectPreKey.get({ ...device, keyId: key.keyId });
    if (stored !== undefined && !stored.public_key.equals(key.publicKey)) throw preKeyIdConflict('preKeys', key.keyId);
  }
  for (const key of keys.kyberPreKeys) {
    if (statements.insertKyberPreKey.run({ ...device, ...key }).changes > 0) continue;
    const stored = limitStatements.selectKyberPreKey.get({ ...device, keyId: key.keyId });
    if (stored !== undefined && !stored.public_key.equals(key.publicKey)) {
      throw preKeyIdConflict('kyberPreKeys', key.keyId);
    }
  }
  if ((limitStatements.countPreKeysOf.get(device)?.count ?? 0) > limits.maxPreKeys) {
    throw tooManyPreKeys('preKeys', limits.maxPreKeys);
  }
  if ((limitStatements.countKyberPreKeysOf.get(device)?.count ?? 0) > limits.maxKyberPreKeys) {
    throw tooManyPreKeys('kyberPreKeys', limits.maxKyberPreKeys);
  }
}

/** Lets a new account in under `admission`, consuming its invite (rolled back with a failed transaction). */
function admitNewAccount(writer: SqliteWriter, admission: AccountAdmission, now: number): void {
  const hash = inviteToConsume(admission);
  if (hash !== null && writer.limitStatements.takeInvite.get(hash, now) === undefined) {
    throw accountRefused('INVITE_INVALID');
  }
}

/**
 * Registers a device (RelayStore.registerDevice). A registration from another
 * installation id than the device's is a takeover: the device's queue goes in
 * the same transaction (the queue_usage triggers follow the deletes), and a
 * refusal thrown later (prekey limits or conflicts) rolls that back too.
 */
export function registerDeviceIn(
  writer: SqliteWriter,
  registration: DeviceRegistration,
  rules: RegistrationRules,
): RegisteredDevice | null {
  const { db, statements } = writer;
  const { identityKey, installationId, generation, signed, lastResort, oneTimeKeys } = decodeRegistration(registration);
  const device: DeviceKey = { account: registration.accountId, device: registration.deviceId };

  const register = db.transaction((): RegisteredDevice | null => {
    const account = statements.selectAccount.get(registration.accountId);
    if (account !== undefined && !account.identity_key.equals(identityKey)) return null;
    if (account === undefined) {
      admitNewAccount(writer, rules.admission, registration.now);
      statements.insertAccount.run(registration.accountId, identityKey, registration.now);
    }
    const previous = statements.selectDeviceInstallation.get(device);
    const takenOver = previous !== undefined && !(previous.installation_id?.equals(installationId) ?? false);
    const droppedEnvelopes = takenOver ? statements.deleteQueueOf.run(device).changes : 0;
    statements.upsertDevice.run({
      ...device,
      installationId,
      generation: decodeCanonicalBase64(generation, 'generation'),
      registrationId: registration.registrationId,
      createdAt: registration.now,
      signedId: signed.keyId,
      signedKey: signed.publicKey,
      signedSignature: signed.signature,
      lastResortId: lastResort.keyId,
      lastResortKey: lastResort.publicKey,
      lastResortSignature: lastResort.signature,
    });
    statements.deletePreKeysOf.run(device);
    statements.deleteKyberPreKeysOf.run(device);
    addOneTimeKeys(writer, device, oneTimeKeys, rules.preKeyLimits);
    return { generation, takenOver, droppedEnvelopes };
  });
  return register.immediate();
}

export function storePreKeysIn(
  writer: SqliteWriter,
  accountId: AccountId,
  deviceId: number,
  keys: PreKeyReplenish,
  limits: PreKeyLimits,
): void {
  const { db, statements } = writer;
  const { signed, lastResort, oneTimeKeys } = decodeReplenish(keys);
  const device: DeviceKey = { account: accountId, device: deviceId };

  const store = db.transaction((): void => {
    if ((statements.deviceExists.get(device)?.count ?? 0) === 0) throw unknownDevice(accountId, deviceId);
    if (signed !== null) statements.updateSignedPreKey.run({ ...device, ...signed });
    if (lastResort !== null) statements.updateLastResortKyberPreKey.run({ ...device, ...lastResort });
    addOneTimeKeys(writer, device, oneTimeKeys, limits);
  });
  store.immediate();
}

export function claimBundleIn(writer: SqliteWriter, accountId: AccountId, deviceId: number): ClaimedBundle | null {
  const { db, statements } = writer;
  const device: DeviceKey = { account: accountId, device: deviceId };
  // IMMEDIATE: the write lock is held from the first read, so no other
  // process can take the same key between our read and our delete.
  const claim = db.transaction((): ClaimedBundle | null => {
    const row = statements.selectBundleDevice.get(device);
    if (row === undefined) return null;
    const preKey = statements.takeLowestPreKey.get(device);
    const kyberPreKey = statements.takeLowestKyberPreKey.get(device);
    const signedPreKey: SignedPreKeyWire = {
      keyId: row.signed_prekey_id,
      publicKey: toBase64(row.signed_prekey),
      signature: toBase64(row.signed_prekey_signature),
    };
    return {
      accountId,
      deviceId,
      registrationId: row.registration_id,
      identityKey: toBase64(row.identity_key),
      signedPreKey,
      preKey: preKey === undefined ? null : { keyId: preKey.key_id, publicKey: toBase64(preKey.public_key) },
      kyberPreKey:
        kyberPreKey === undefined
          ? {
              keyId: row.last_resort_kyber_id,
              publicKey: toBase64(row.last_resort_kyber_prekey),
              signature: toBase64(row.last_resort_kyber_signature),
            }
          : {
              keyId: kyberPreKey.key_id,
              publicKey: toBase64(kyberPreKey.public_key),
              signature: toBase64(kyberPreKey.signature),
            },
      kyberPreKeyIsLastResort: kyberPreKey === undefined,
    };
  });
  return claim.immediate();
}
