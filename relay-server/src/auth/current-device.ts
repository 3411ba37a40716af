/**
 * A token opens a device only while it holds that device's current
 * generation (docs/protocol.md §3.1). Every registration gives the device a
 * new generation, so the tokens of every earlier registration die with it:
 *
 * - another install registered the device (a backup restored elsewhere):
 *   DEVICE_TAKEN_OVER, for good; that install must stop;
 * - the same install registered again (an onboarding retried): TOKEN_EXPIRED,
 *   so it logs in again and carries on;
 * - the device or its account is gone: UNKNOWN_ACCOUNT.
 *
 * A deleted account's old token stays refused after its id is registered
 * anew: the new device row has another generation.
 */
import { RelayErrorCode, RelayServerError } from '../errors.js';
import type { RelayStore, StoredAccount, StoredDevice } from '../storage/relay-store.js';
import type { TokenHolder } from './tokens.js';

export interface CurrentDevice {
  readonly account: StoredAccount;
  readonly device: StoredDevice;
}

/** Throws unless `stored` is at the generation the holder's token was issued for. */
export function assertCurrentGeneration(stored: StoredDevice, holder: TokenHolder): void {
  if (stored.generation === holder.generation) return;
  if (stored.installationId === holder.installationId) {
    throw new RelayServerError(
      RelayErrorCode.TokenExpired,
      'this device registered again since the token was issued: log in again',
    );
  }
  throw new RelayServerError(
    RelayErrorCode.DeviceTakenOver,
    'another install registered this device (a backup restored elsewhere): this one can no longer use it',
  );
}

/**
 * The holder's account and device when the token is still good for them;
 * null when the account is gone; throws UNKNOWN_ACCOUNT when only the
 * device is, and as assertCurrentGeneration says.
 */
export async function findCurrentDevice(store: RelayStore, holder: TokenHolder): Promise<CurrentDevice | null> {
  const account = await store.getAccount(holder.accountId);
  if (account === null) return null;
  const device = account.devices.find((candidate) => candidate.deviceId === holder.deviceId);
  if (device === undefined) {
    throw new RelayServerError(RelayErrorCode.UnknownAccount, 'this device is no longer registered');
  }
  assertCurrentGeneration(device, holder);
  return { account, device };
}

/** findCurrentDevice, with a gone account refused as UNKNOWN_ACCOUNT. */
export async function requireCurrentDevice(store: RelayStore, holder: TokenHolder): Promise<CurrentDevice> {
  const current = await findCurrentDevice(store, holder);
  if (current === null)
    throw new RelayServerError(RelayErrorCode.UnknownAccount, 'this device is no longer registered');
  return current;
}
