/**
 * 1:1 sessions with a contact's devices: starting them from the bundles the
 * relay handed out, and listing them. Bundle checks (schema, account id
 * against identity key, signatures, identity trust) are crypto-core's: a
 * bundle whose key the account id does not commit to is ACCOUNT_ID_MISMATCH,
 * and the whole call changes nothing (existing sessions stay as they were).
 */
import type { AccountId, PreKeyBundlesResponse } from '@parley/crypto-core/wire';
import { ApiErrorCode } from '../common/api-errors.js';
import type { UnlockedContext } from './unlocked-context.js';
import { protocolError } from './vault-errors.js';

export class Sessions {
  readonly #context: UnlockedContext;

  constructor(context: UnlockedContext) {
    this.#context = context;
  }

  /** Starts a session with every device in the response, all or none. */
  async start(response: PreKeyBundlesResponse): Promise<{ accountId: AccountId; devices: number[] }> {
    const { records, sessions, local, now } = this.#context;
    const accountId = response.accountId;
    const seen = new Set<number>();
    for (const bundle of response.bundles) {
      if (bundle.accountId !== accountId) {
        throw protocolError(ApiErrorCode.InvalidBundle, 'a bundle is for another account than the response');
      }
      if (seen.has(bundle.deviceId)) throw protocolError(ApiErrorCode.InvalidBundle, 'two bundles for one device');
      seen.add(bundle.deviceId);
      if (accountId === local.accountId && bundle.deviceId === local.deviceId) {
        throw protocolError(ApiErrorCode.InvalidBundle, 'a bundle for this very device');
      }
    }
    const devices = await records.transaction(async () => {
      const started: number[] = [];
      for (const bundle of response.bundles) {
        started.push((await sessions.startSession(bundle, new Date(now()))).deviceId);
      }
      return started.sort((a, b) => a - b);
    });
    return { accountId, devices };
  }

  /** Devices of `accountId` we can encrypt to now. */
  async devices(accountId: AccountId): Promise<number[]> {
    const { store, sessions, local } = this.#context;
    const devices: number[] = [];
    for (const deviceId of store.sessionDeviceIds(accountId)) {
      if (accountId === local.accountId && deviceId === local.deviceId) continue;
      if (await sessions.hasSession({ accountId, deviceId })) devices.push(deviceId);
    }
    return devices;
  }
}
