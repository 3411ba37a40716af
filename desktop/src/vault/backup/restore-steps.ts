/**
 * The restore steps that change the vault's identity (vault.ts delegates):
 * writing the backup's identity into a vault that has none, committing or
 * undoing it, and the CLI's staged history. The reading and checking of the
 * file is backup-restore.ts's; the lifecycle (queue, open vault) is
 * vault-lifecycle.ts's.
 */
import type { AccountInfo, ParsedVaultArgs, VaultResults } from '../../common/vault-api.js';
import { prepareVaultKey, readKeyFile, writeKeyFile } from '../key-file.js';
import { OpenVault } from '../open-vault.js';
import { removeFiles } from '../profile-files.js';
import { identityExistsError } from '../vault-errors.js';
import { DATABASE_FILES, type VaultLifecycle } from '../vault-lifecycle.js';
import { wipe } from '../vault-subkeys.js';
import { clearRestorePending, markRestorePending, removeRestoredIdentity } from './restore-commit.js';
import { writeRestoredDatabase } from './restored-identity.js';
import { openStagedRestore, writeStagedRestore } from './staged-restore.js';
import type { VaultBackups } from './vault-backups.js';

export class RestoreSteps {
  constructor(
    private readonly lifecycle: VaultLifecycle,
    private readonly backups: VaultBackups,
  ) {}

  /** Writes the verified backup's identity into this vault, which must have none (restored-identity.ts). */
  restoreIdentity(args: ParsedVaultArgs<'backupRestoreIdentity'>): Promise<AccountInfo> {
    const session = this.backups.restores.get(args.restoreId);
    const lifecycle = this.lifecycle;
    return lifecycle.run(async () => {
      const { profileDir } = lifecycle;
      if (readKeyFile(profileDir) !== null) throw identityExistsError();
      const { vaultKey, keyFile } = await prepareVaultKey(lifecycle.unwrapping(args.vaultPassphrase));
      try {
        removeFiles(profileDir, DATABASE_FILES);
        await writeRestoredDatabase(profileDir, vaultKey, session.verified.keys);
        markRestorePending(profileDir);
        writeKeyFile(profileDir, keyFile);
        session.identityCreated = true;
        return lifecycle.becomeUnlocked(await OpenVault.open(lifecycle.openOptions(vaultKey)));
      } finally {
        wipe(vaultKey);
      }
    });
  }

  /** 'imported' commits the restore; 'failed' removes the identity it created, so nothing of it stays. */
  async finish(args: ParsedVaultArgs<'backupRestoreFinish'>): Promise<null> {
    const session = await this.backups.restores.close(args.restoreId, args.outcome);
    if (!session.identityCreated) return null;
    const lifecycle = this.lifecycle;
    return lifecycle.run(async () => {
      if (args.outcome === 'imported') {
        clearRestorePending(lifecycle.profileDir);
        return null;
      }
      lifecycle.forget()?.close();
      removeRestoredIdentity(lifecycle.profileDir);
      return null;
    });
  }

  /** Opens the history the CLI staged in this profile (staged-restore.ts), verified, for the engine to import. */
  async openStaged(): Promise<VaultResults['backupRestoreStaged']> {
    const dataKey = await this.lifecycle.unlocked(async (open) => open.dataKey().slice());
    const staged = await openStagedRestore(this.lifecycle.profileDir, dataKey);
    if (staged === null) return null;
    const session = await this.backups.restores.openWithKey(staged.path, staged.opened, staged.path, true);
    return {
      restoreId: session.id,
      summary: session.verified.summary,
      ignoredSettingKeys: [...session.verified.ignoredSettingKeys],
    };
  }

  /** CLI restore: after restoreIdentity, re-seals the verified history into the profile for the engine. */
  async stageHistory(restoreId: string): Promise<void> {
    const session = this.backups.restores.get(restoreId);
    const dataKey = await this.lifecycle.unlocked(async (open) => open.dataKey().slice());
    await writeStagedRestore(this.lifecycle.profileDir, session, dataKey);
  }
}
