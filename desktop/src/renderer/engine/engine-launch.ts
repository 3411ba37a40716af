/**
 * How the Engine facade (engine.ts) brings a profile up: it checks that the
 * vault holds an unlocked identity, imports a history the backup CLI staged,
 * opens the profile's database and builds the runtime around it. The facade
 * keeps the order of these steps and what it holds once they are done.
 */
import type { TokenResponse } from '@parley/crypto-core/wire';
import type { AccountInfo, VaultStatus } from '../../common/vault-api.js';
import { dataKeyFrom, openProfileDatabase } from './at-rest/open-database.js';
import { importStagedBackup } from './backup/backup-restore.js';
import type { EngineDatabase } from './database.js';
import type { EngineOptions } from './engine-options.js';
import { EngineError, EngineErrorCode } from './errors.js';
import { DEFAULT_OUTBOX_OPTIONS } from './outbox-worker.js';
import { DEFAULT_PREKEY_OPTIONS } from './prekey-maintenance.js';
import { PrivacySettings } from './privacy-settings.js';
import { DEFAULT_RECEIVE_OPTIONS } from './receive-pipeline.js';
import { DEFAULT_CONNECTION_OPTIONS } from './relay-connection.js';
import { EngineRuntime, type RuntimeParts } from './runtime.js';
import { DEFAULT_TYPING_OPTIONS } from './typing.js';
import type { VaultGateway } from './vault-calls.js';
import { vaultFailureError } from './vault-errors-map.js';

/** What the facade lends every runtime it builds (the same for each start). */
export interface LaunchContext
  extends Pick<RuntimeParts, 'vault' | 'logger' | 'clock' | 'events' | 'status' | 'typing'> {
  readonly options: EngineOptions;
  /** The vault locked: the facade stops and emits `locked`. */
  readonly onFatal: () => void;
}

/** The vault's status; VAULT_FAILED (or the vault's own code) when it cannot tell. */
export async function vaultStatus(vault: VaultGateway): Promise<VaultStatus> {
  try {
    return await vault.call('getStatus', {});
  } catch (error) {
    throw vaultFailureError(error);
  }
}

/** The vault's account; NO_IDENTITY or LOCKED when there is none to start. */
export async function unlockedAccount(vault: VaultGateway): Promise<AccountInfo> {
  const status = await vaultStatus(vault);
  if (status.state === 'no-identity' || status.account === null) {
    throw new EngineError(EngineErrorCode.NoIdentity, 'this profile has no identity yet');
  }
  if (status.state === 'locked') throw new EngineError(EngineErrorCode.Locked, 'the vault is locked');
  return status.account;
}

/** A profile the backup CLI restored: its history waits in the vault for this first start. */
export async function importRestoredHistory(context: LaunchContext, account: AccountInfo): Promise<void> {
  const { options } = context;
  const name = options.databaseName;
  await importStagedBackup(context.vault, account, {
    indexedDB: options.indexedDB,
    IDBKeyRange: options.IDBKeyRange,
    databaseName: name === undefined ? undefined : () => name,
  }).catch((error: unknown) => {
    throw vaultFailureError(error);
  });
}

/** The profile's database, sealed under keys from the vault's data key; a version 1 database is migrated first. */
export async function openEngineDatabase(context: LaunchContext, account: AccountInfo): Promise<EngineDatabase> {
  return openProfileDatabase(await dataKeyFrom(context.vault), account.accountId, {
    indexedDB: context.options.indexedDB,
    IDBKeyRange: context.options.IDBKeyRange,
    name: context.options.databaseName,
    logger: context.logger,
  });
}

/**
 * Builds the runtime (not started: the facade holds it first); `token` is
 * one registration just answered with (saves a login).
 */
export async function buildRuntime(
  context: LaunchContext,
  db: EngineDatabase,
  account: AccountInfo,
  relayUrl: string,
  token?: TokenResponse,
): Promise<EngineRuntime> {
  const { options } = context;
  let privacy: PrivacySettings;
  try {
    privacy = await PrivacySettings.load(db);
  } catch (error) {
    throw new EngineError(EngineErrorCode.Storage, 'the settings could not be read', error);
  }
  const runtime = new EngineRuntime(
    {
      db,
      vault: context.vault,
      account,
      relayUrl,
      clock: context.clock,
      logger: context.logger,
      events: context.events,
      status: context.status,
      typing: context.typing,
      privacy,
      newId: () => crypto.randomUUID(),
      onFatal: context.onFatal,
    },
    {
      connection: { ...DEFAULT_CONNECTION_OPTIONS, ...options.connection },
      outbox: { ...DEFAULT_OUTBOX_OPTIONS, ...options.outbox },
      typing: { ...DEFAULT_TYPING_OPTIONS, ...options.typing },
      prekeys: { ...DEFAULT_PREKEY_OPTIONS, ...options.prekeys },
      receive: { ...DEFAULT_RECEIVE_OPTIONS, ...options.receive },
      fetch: options.fetch,
      faults: options.faults,
    },
  );
  if (token !== undefined) runtime.tokens.accept(token);
  return runtime;
}
