/**
 * Settings → Backups: one export at a time. A generated passphrase is made
 * when the export starts and shown until the user dismisses it (it is not
 * kept anywhere else); a chosen one must pass the strength check first.
 */
import {
  backupPassphraseStrength,
  generateBackupPassphrase,
  type PassphraseStrength,
} from '@parley/crypto-core/backup-records';
import type { Engine } from '../../engine/index.js';
import { backupFailureSentence, percent } from './backup-sentences.js';

export type PassphraseMode = 'generated' | 'chosen';

export class BackupExportState {
  includeIdentity = $state(true);
  mode = $state<PassphraseMode>('generated');
  chosen = $state('');
  confirmation = $state('');
  /** The generated passphrase, shown once until dismissed. */
  generated = $state<string | null>(null);
  busy = $state(false);
  progress = $state(0);
  result = $state<{ path: string; bytes: number; messages: number } | null>(null);
  error = $state<string | null>(null);
  /** Folder of the last readable copy. */
  readablePath = $state<string | null>(null);
  /** The current engine (a getter, so a new engine prop is seen). */
  readonly #engine: () => Engine;

  constructor(engine: () => Engine) {
    this.#engine = engine;
  }

  get strength(): PassphraseStrength | null {
    return this.chosen.length === 0 ? null : backupPassphraseStrength(this.chosen);
  }

  /** The sentence that blocks a chosen passphrase, or null. */
  get chosenProblem(): string | null {
    const strength = this.strength;
    if (strength === null) return 'Type a passphrase, or let Parley generate one.';
    if (!strength.acceptable) return strength.reason;
    if (this.chosen !== this.confirmation) return "The two passphrases don't match; type the same one twice.";
    return null;
  }

  async export(): Promise<void> {
    if (this.busy) return;
    this.error = null;
    this.result = null;
    let passphrase: string;
    if (this.mode === 'chosen') {
      const problem = this.chosenProblem;
      if (problem !== null) {
        this.error = problem;
        return;
      }
      passphrase = this.chosen;
    } else {
      passphrase = generateBackupPassphrase();
      this.generated = passphrase;
    }
    this.busy = true;
    this.progress = 0;
    try {
      const result = await this.#engine().exportBackup({
        passphrase,
        includeIdentity: this.includeIdentity,
        onProgress: ({ done, total }) => {
          this.progress = percent(done, total);
        },
      });
      this.progress = 100;
      this.result = { path: result.path, bytes: result.bytes, messages: result.counts.messages };
      this.chosen = '';
      this.confirmation = '';
    } catch (error) {
      this.generated = null;
      this.error = backupFailureSentence('backup export', error);
    } finally {
      this.busy = false;
    }
  }

  /** The readable (unencrypted) copy: HTML + JSON in a new folder. */
  async exportReadable(): Promise<void> {
    if (this.busy) return;
    this.error = null;
    this.readablePath = null;
    this.busy = true;
    this.progress = 0;
    try {
      const result = await this.#engine().exportReadable({
        onProgress: ({ done, total }) => {
          this.progress = percent(done, total);
        },
      });
      this.progress = 100;
      this.readablePath = result.path;
    } catch (error) {
      this.error = backupFailureSentence('readable export', error);
    } finally {
      this.busy = false;
    }
  }

  dismissPassphrase(): void {
    this.generated = null;
  }
}
