/**
 * Onboarding → Restore from a backup: upload the chosen file to the vault,
 * which verifies all of it before anything is imported, then restore the
 * identity and import the history (engine/backup/backup-restore.ts).
 * Where the vault has no OS keychain (web shell), the restored keys are
 * protected on this computer by a new passphrase asked for here.
 */
import type { VaultClient } from '../../../common/invoke.js';
import { restoreBackup, uploadBackup } from '../../engine/backup/backup-restore.js';
import { passphraseProblem } from '../state/passphrase-rules.js';
import { backupFailureSentence, percent } from './backup-sentences.js';

const PHASE_TEXT = {
  preparing: 'Preparing…',
  writing: 'Writing…',
  finishing: 'Finishing…',
  uploading: 'Reading the backup file…',
  verifying: 'Checking every part of the backup…',
  importing: 'Restoring your conversations…',
  done: 'Done',
} as const;

export class RestoreFlowState {
  file = $state<File | null>(null);
  passphrase = $state('');
  vaultPassphrase = $state('');
  vaultConfirmation = $state('');
  needsVaultPassphrase = $state(false);
  busy = $state(false);
  progress = $state(0);
  phase = $state<string | null>(null);
  error = $state<string | null>(null);
  /** The current vault client (a getter, so a new prop is seen). */
  readonly #vault: () => VaultClient;

  constructor(vault: () => VaultClient) {
    this.#vault = vault;
  }

  /** Learns whether the new vault needs its own passphrase (no OS keychain). */
  async load(): Promise<void> {
    const status = await this.#vault().invoke('getStatus', {});
    if (status.ok) this.needsVaultPassphrase = status.value.keyProtection === 'passphrase';
  }

  #problem(): string | null {
    if (this.file === null) return 'Choose the backup file to restore.';
    if (this.passphrase.trim().length === 0) return 'Type the passphrase of this backup.';
    if (this.needsVaultPassphrase) return passphraseProblem(this.vaultPassphrase, this.vaultConfirmation);
    return null;
  }

  /** True once everything is restored (the caller then starts the account). */
  async restore(): Promise<boolean> {
    if (this.busy) return false;
    const problem = this.#problem();
    this.error = problem;
    const file = this.file;
    if (problem !== null || file === null) return false;
    this.busy = true;
    const onProgress = ({ phase, done, total }: { phase: keyof typeof PHASE_TEXT; done: number; total: number }) => {
      this.phase = PHASE_TEXT[phase];
      this.progress = percent(done, total);
    };
    try {
      const uploadId = await uploadBackup(this.#vault(), file, onProgress);
      await restoreBackup(this.#vault(), uploadId, {
        passphrase: this.passphrase,
        ...(this.needsVaultPassphrase ? { vaultPassphrase: this.vaultPassphrase } : {}),
        onProgress,
      });
      this.passphrase = '';
      return true;
    } catch (error) {
      this.error = backupFailureSentence('backup restore', error);
      this.phase = null;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
