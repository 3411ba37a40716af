/**
 * Registration with a relay: challenge -> vault.buildRegistration (fresh
 * prekeys and the proof of possession, signed by the identity key) ->
 * POST /v1/accounts, which answers with the first token.
 */
import { normalizeRelayUrl, type TokenResponse } from '@parley/crypto-core/wire';
import type { AccountInfo } from '../../common/vault-api.js';
import { EngineError, EngineErrorCode } from './errors.js';
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

export async function registerDevice(
  http: RelayHttpClient,
  vault: VaultGateway,
  relayUrl: string,
  account: AccountInfo,
): Promise<TokenResponse> {
  const { challenge } = await http.challenge(account.accountId, account.deviceId);
  const registration = await vault.call('buildRegistration', { relayUrl, challenge });
  return http.register(registration);
}
