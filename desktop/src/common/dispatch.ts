/**
 * The vault's side of the boundary: validates a call's method and arguments
 * and runs it, turning every outcome into a Result. Both hosts (Electron's
 * ipcMain handler and the web shell's WebSocket) call exactly this, so the
 * checks cannot differ between them.
 */

import { ParleyCryptoError } from '@parley/crypto-core/errors';
import { checkWire } from '@parley/crypto-core/wire';
import { ApiErrorCode } from './api-errors.js';
import { codeSet, ParleyDesktopError } from './desktop-error.js';
import { fail, ok, type Result } from './result.js';
import { type VaultApi, type VaultMethod, vaultArgSchemas } from './vault-api.js';

/** Thrown by the vault for its own failures (locked, no identity, storage...). */
export class VaultError extends ParleyDesktopError<ApiErrorCode> {
  static override readonly errorName = 'VaultError';
  static override readonly codes = codeSet(ApiErrorCode);
}

function isVaultMethod(method: unknown): method is VaultMethod {
  return typeof method === 'string' && Object.hasOwn(vaultArgSchemas, method);
}

/** Maps anything a vault method threw to the error half of a Result. */
export function errorResult(error: unknown): Result<never> {
  if (VaultError.is(error)) return fail(error.code, error.message);
  if (ParleyCryptoError.is(error)) return fail(error.code, error.message);
  return fail(ApiErrorCode.Internal, 'the vault failed unexpectedly');
}

export async function dispatchVaultCall(vault: VaultApi, method: unknown, args: unknown): Promise<Result<unknown>> {
  if (!isVaultMethod(method)) return fail(ApiErrorCode.UnknownMethod, 'no such vault method');
  const parsed = checkWire(vaultArgSchemas[method], args ?? {});
  if (!parsed.ok) {
    return fail(ApiErrorCode.InvalidArgument, `invalid arguments for ${method}${parsed.where}: ${parsed.message}`);
  }
  try {
    // Each method's parsed arguments match its own parameter type; TypeScript
    // cannot correlate the union, hence the one cast.
    const run = vault[method] as (args: unknown) => Promise<unknown>;
    return ok(await run.call(vault, parsed.value));
  } catch (error) {
    return errorResult(error);
  }
}
