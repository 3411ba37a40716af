/**
 * This account's contact code as the Engine facade (engine.ts) answers it:
 * the home relay plus the current code key (access-keys.ts), and "Reset
 * contact code", which registers a new code key before it replaces the old.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { ensureAccessKeys, ownContactCode } from './access-keys.js';
import type { EngineDatabase } from './database.js';
import { EngineError, EngineErrorCode } from './errors.js';
import type { OwnAccessKeys } from './records.js';
import { relayFailureError } from './relay-errors-map.js';
import type { EngineRuntime } from './runtime.js';

/** The contact code with the current code key (made first for a profile from before access keys). */
export async function currentContactCode(
  db: EngineDatabase,
  accountId: AccountId,
  relayUrl: string,
  now: () => number,
): Promise<string> {
  return ownContactCode(accountId, relayUrl, await ensureAccessKeys(db, now));
}

/**
 * A new code key, registered with the relay first: a failure throws (the
 * relay's error, or STORAGE) and the old code keeps working. Refused once
 * another install holds the identity.
 */
export async function resetContactCode(runtime: EngineRuntime, accountId: () => AccountId): Promise<string> {
  runtime.assertNotTakenOver('resetting the contact code');
  let keys: OwnAccessKeys;
  try {
    keys = await runtime.accessKeys.resetCodeKey();
  } catch (error) {
    throw relayFailureError(error) ?? new EngineError(EngineErrorCode.Storage, 'the new code was not saved', error);
  }
  return ownContactCode(accountId(), runtime.connection.relayUrl, keys);
}
