/**
 * Signal sessions with a recipient's devices: fetch their prekey bundles
 * from the relay the recipient lives on (our home relay with our token, or
 * the contact's own relay with only their access key: relay-directory.ts)
 * and hand them to the vault. Before the vault sees a bundle
 * the engine checks it too: every bundle must be for the account asked about
 * and carry the identity key that account's id commits to. The vault checks
 * the same again; two independent checks of the one property that stops a
 * relay from putting itself in the middle. A bundle that fails it is a
 * forgery by the relay it came from (ACCOUNT_ID_MISMATCH, naming that relay):
 * nothing of it reaches the vault, and existing sessions stay as they were.
 *
 * Also remembers devices the relay said no longer exist (DEVICE_MISMATCH
 * extraDevices): the vault API cannot drop a session yet, so sends leave
 * those devices out until the session set changes.
 */

import { fromBase64 } from '@parley/crypto-core/encoding';
import {
  type AccountId,
  accountIdMatches,
  type PreKeyBundlesResponse,
  type PreKeyBundleWire,
  RelayErrorCode,
} from '@parley/crypto-core/wire';
import { VaultCallError } from '../../common/invoke.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type { RelayTokens } from './relay-auth.js';
import type { RelayDirectory } from './relay-directory.js';
import { RelayCallError } from './relay-errors.js';
import type { VaultGateway } from './vault-calls.js';

function forgedBundle(relayUrl: string, cause?: unknown): EngineError {
  return new EngineError(
    EngineErrorCode.AccountIdMismatch,
    'the relay returned keys that do not belong to this account: refused',
    cause,
    relayUrl,
  );
}

/** Throws ACCOUNT_ID_MISMATCH (naming `relayUrl`) unless every bundle belongs to `accountId` by its identity key. */
export function checkBundles(accountId: AccountId, response: PreKeyBundlesResponse, relayUrl: string): void {
  const foreign = response.accountId !== accountId || response.bundles.some((bundle) => bundle.accountId !== accountId);
  const badKey = response.bundles.some((bundle) => !accountIdMatches(accountId, fromBase64(bundle.identityKey)));
  if (foreign || badKey) throw forgedBundle(relayUrl);
}

/** Maps failures of fetching bundles (from `relayUrl`) or starting sessions to what the UI shows. */
export function sessionError(error: unknown, relayUrl: string): unknown {
  if (EngineError.is(error)) return error;
  if (RelayCallError.is(error, RelayErrorCode.UnknownAccount)) {
    return new EngineError(EngineErrorCode.UnknownAccount, 'the relay knows no such account', error);
  }
  if (RelayCallError.is(error, RelayErrorCode.AccessDenied)) {
    return new EngineError(
      EngineErrorCode.AccessDenied,
      'the account does not accept this contact code (any more): ask for the current one',
      error,
    );
  }
  if (VaultCallError.is(error)) {
    switch (error.code) {
      case 'ACCOUNT_ID_MISMATCH':
        return forgedBundle(relayUrl, error);
      case 'FORGED_IDENTITY':
        return new EngineError(
          EngineErrorCode.ForgedKey,
          "the relay presented a key that is not the contact's: refused",
          error,
          relayUrl,
        );
      case 'INVALID_BUNDLE':
      case 'INVALID_SIGNATURE':
      case 'INVALID_ENCODING':
        return new EngineError(EngineErrorCode.InvalidBundle, 'the relay returned an invalid prekey bundle', error);
    }
  }
  return error;
}

/** How to reach an account: the access key to present (null: none) and the relay it lives on. */
export interface Reach {
  readonly accessKey: string | null;
  readonly relayUrl: string;
}

export class SessionManager {
  readonly #goneDevices = new Map<AccountId, Set<number>>();

  constructor(
    private readonly relays: RelayDirectory,
    private readonly tokens: RelayTokens,
    private readonly vault: VaultGateway,
    /** The access key we hold for a contact and its relay (contact-access.ts). */
    private readonly reachOf: (accountId: AccountId) => Promise<Reach>,
  ) {}

  /**
   * Fetches bundles (all devices, or only `deviceIds`), checks them and
   * starts sessions; returns the devices. The fetch goes to `reach` (a
   * contact being added), by default to the contact's relay with the key
   * held for them.
   */
  async establish(accountId: AccountId, deviceIds?: readonly number[], reach?: Reach): Promise<number[]> {
    const { accessKey, relayUrl } = reach ?? (await this.reachOf(accountId));
    const bundles = await this.#fetch(accountId, deviceIds, accessKey, relayUrl);
    checkBundles(accountId, bundles, this.relays.client(relayUrl).baseUrl);
    const { devices } = await this.vault.call('startSessions', { bundles });
    const gone = this.#goneDevices.get(accountId);
    if (gone !== undefined) for (const device of devices) gone.delete(device);
    return devices;
  }

  /** The relay said these devices of `accountId` no longer exist. */
  markGone(accountId: AccountId, deviceIds: readonly number[]): void {
    if (deviceIds.length === 0) return;
    const gone = this.#goneDevices.get(accountId) ?? new Set<number>();
    for (const id of deviceIds) gone.add(id);
    this.#goneDevices.set(accountId, gone);
  }

  /** Leaves out ciphertexts for devices known to be gone. */
  withoutGoneDevices<T extends { readonly deviceId: number }>(accountId: AccountId, messages: readonly T[]): T[] {
    const gone = this.#goneDevices.get(accountId);
    return gone === undefined ? [...messages] : messages.filter((message) => !gone.has(message.deviceId));
  }

  async #fetch(
    accountId: AccountId,
    deviceIds: readonly number[] | undefined,
    accessKey: string | null,
    relayUrl: string,
  ): Promise<PreKeyBundlesResponse> {
    const http = this.relays.client(relayUrl);
    // On another relay we have no account: no token, the access key is the whole capability.
    const fetchOne = (deviceId: number | undefined) =>
      this.relays.isHome(relayUrl)
        ? this.tokens.withToken((token) => http.bundles(token, accountId, deviceId, accessKey))
        : http.bundles(null, accountId, deviceId, accessKey);
    if (deviceIds === undefined || deviceIds.length === 0) return fetchOne(undefined);
    const bundles: PreKeyBundleWire[] = [];
    for (const deviceId of deviceIds) {
      const response = await fetchOne(deviceId);
      checkBundles(accountId, response, http.baseUrl);
      bundles.push(...response.bundles);
    }
    return { accountId, bundles };
  }
}
