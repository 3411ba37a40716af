/**
 * The in-memory store's device keys: the prekeys a registration brings, a
 * replenishing upload, and a bundle claim. Everything is checked (and the new
 * key maps built) before a device changes, so a refused call changes nothing.
 */
import type { AccountId, KyberPreKeyWire, OneTimePreKeyWire } from '@parley/crypto-core/wire';
import {
  type AccountState,
  checkKyberPreKey,
  checkOneTimePreKey,
  checkSignedPreKey,
  copyKyberPreKey,
  copyOneTimePreKey,
  copySignedPreKey,
  type DeviceState,
  takeLowest,
  withAddedKeys,
} from './memory-store-records.js';
import type { ClaimedBundle, DeviceRegistration, PreKeyLimits, PreKeyReplenish } from './relay-store.js';

export interface OneTimeKeyMaps {
  readonly preKeys: Map<number, OneTimePreKeyWire>;
  readonly kyberPreKeys: Map<number, KyberPreKeyWire>;
}

/** `stored` with `preKeys` and `kyberPreKeys` added under `limits` (both kinds checked before either is used). */
function withOneTimeKeys(
  stored: OneTimeKeyMaps,
  preKeys: readonly OneTimePreKeyWire[],
  kyberPreKeys: readonly KyberPreKeyWire[],
  limits: PreKeyLimits,
): OneTimeKeyMaps {
  return {
    preKeys: withAddedKeys(stored.preKeys, preKeys, 'preKeys', limits.maxPreKeys, copyOneTimePreKey),
    kyberPreKeys: withAddedKeys(
      stored.kyberPreKeys,
      kyberPreKeys,
      'kyberPreKeys',
      limits.maxKyberPreKeys,
      copyKyberPreKey,
    ),
  };
}

/** Checks a registration's prekeys and returns its one-time key maps (TOO_MANY_PREKEYS, PREKEY_ID_CONFLICT refuse). */
export function registrationKeys(registration: DeviceRegistration, limits: PreKeyLimits): OneTimeKeyMaps {
  checkSignedPreKey(registration.signedPreKey);
  checkKyberPreKey(registration.lastResortKyberPreKey);
  registration.preKeys.forEach(checkOneTimePreKey);
  registration.kyberPreKeys.forEach(checkKyberPreKey);
  return withOneTimeKeys(
    { preKeys: new Map(), kyberPreKeys: new Map() },
    registration.preKeys,
    registration.kyberPreKeys,
    limits,
  );
}

/** The state of a device as `registration` leaves it; a re-registered device keeps the time it first appeared. */
export function registeredDevice(
  registration: DeviceRegistration,
  keys: OneTimeKeyMaps,
  generation: string,
  previous: DeviceState | undefined,
): DeviceState {
  return {
    deviceId: registration.deviceId,
    createdAt: previous?.createdAt ?? registration.now,
    installationId: registration.installationId,
    generation,
    registrationId: registration.registrationId,
    signedPreKey: copySignedPreKey(registration.signedPreKey),
    lastResortKyberPreKey: copyKyberPreKey(registration.lastResortKyberPreKey),
    preKeys: keys.preKeys,
    kyberPreKeys: keys.kyberPreKeys,
  };
}

/** Applies an upload to `device`, or throws (TOO_MANY_PREKEYS, PREKEY_ID_CONFLICT, INVALID_INPUT) and leaves it as it was. */
export function replenishPreKeys(device: DeviceState, keys: PreKeyReplenish, limits: PreKeyLimits): void {
  if (keys.signedPreKey !== undefined) checkSignedPreKey(keys.signedPreKey);
  if (keys.lastResortKyberPreKey !== undefined) checkKyberPreKey(keys.lastResortKyberPreKey);
  keys.preKeys.forEach(checkOneTimePreKey);
  keys.kyberPreKeys.forEach(checkKyberPreKey);
  // Both kinds are checked before either changes: a refused upload leaves everything as it was.
  const added = withOneTimeKeys(device, keys.preKeys, keys.kyberPreKeys, limits);

  if (keys.signedPreKey !== undefined) device.signedPreKey = copySignedPreKey(keys.signedPreKey);
  if (keys.lastResortKyberPreKey !== undefined) {
    device.lastResortKyberPreKey = copyKyberPreKey(keys.lastResortKyberPreKey);
  }
  device.preKeys = added.preKeys;
  device.kyberPreKeys = added.kyberPreKeys;
}

/** Hands out the device's lowest one-time keys (the last-resort Kyber key when none is left). */
export function claimBundleFrom(accountId: AccountId, account: AccountState, device: DeviceState): ClaimedBundle {
  const preKey = takeLowest(device.preKeys);
  const oneTimeKyber = takeLowest(device.kyberPreKeys);
  return {
    accountId,
    deviceId: device.deviceId,
    registrationId: device.registrationId,
    identityKey: account.identityKey,
    signedPreKey: copySignedPreKey(device.signedPreKey),
    preKey,
    kyberPreKey: oneTimeKyber ?? copyKyberPreKey(device.lastResortKyberPreKey),
    kyberPreKeyIsLastResort: oneTimeKyber === null,
  };
}
