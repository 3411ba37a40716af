/**
 * Registration with a relay: challenge -> vault.buildRegistration (fresh
 * prekeys and the proof of possession, signed by the identity key) ->
 * POST /v1/accounts (with the invite code, when the user gave one), which
 * answers with the first token.
 */
import { normalizeRelayUrl, type TokenResponse } from '@parley/crypto-core/wire';
import type { AccountInfo } from '../../common/vault-api.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type { RelayRecord } from './records.js';
import type { RelayHttpClient } from './relay-http.js';
import type { VaultGateway } from './vault-calls.js';

/** The canonical form of a relay URL the user typed; INVALID_RELAY_URL when it cannot be one. */
export function canonicalRelayUrl(input: string): string {
  try {
    return normalizeRelayUrl(input.trim());
  } catch (error) {
    throw new EngineError(
      EngineErrorCode.InvalidRelayUrl,
      'a relay URL is http:// or https:// with a host, and no credentials, query or fragment',
      error,
    );
  }
}

/**
 * The invite code as the user typed it, trimmed; undefined when empty. The
 * relay ignores case, spaces and dashes in it; the vault never sees it (it
 * admits an account, it is not signed).
 */
export function inviteCodeOf(text: string | undefined): string | undefined {
  const code = text?.trim();
  return code === undefined || code === '' ? undefined : code;
}

export async function registerDevice(
  http: RelayHttpClient,
  vault: VaultGateway,
  relayUrl: string,
  account: AccountInfo,
  inviteCode?: string,
): Promise<TokenResponse> {
  const { challenge } = await http.challenge(account.accountId, account.deviceId);
  const registration = await vault.call('buildRegistration', { relayUrl, challenge });
  const code = inviteCodeOf(inviteCode);
  return http.register(code === undefined ? registration : { ...registration, inviteCode: code });
}

/**
 * Records a relay registration just answered: it becomes the home relay (any
 * earlier home becomes known, keeping its pinned trust root) and the account
 * this database belongs to, in one transaction.
 */
export async function recordHomeRelay(
  db: EngineDatabase,
  relayUrl: string,
  account: AccountInfo,
  now: number,
): Promise<void> {
  await db.dexie.transaction('rw', [db.relays, db.settings], async () => {
    await db.relays.where('role').equals('home').modify({ role: 'known' });
    const existing = await db.relays.get(relayUrl);
    const relay: RelayRecord = {
      url: relayUrl,
      role: 'home',
      trustRoot: existing?.trustRoot ?? null,
      registeredAt: now,
      addedAt: existing?.addedAt ?? now,
    };
    await db.relays.put(relay);
    await db.putSetting('account', {
      accountId: account.accountId,
      deviceId: account.deviceId,
      registrationId: account.registrationId,
    });
  });
}
