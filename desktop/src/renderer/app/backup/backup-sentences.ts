/**
 * Backup failures as one sentence each. The vault's code travels as the
 * VaultCallError's code (or an EngineError's cause); the raw error goes to
 * the log, never to the screen.
 */
import { VaultCallError } from '../../../common/invoke.js';
import { EngineError } from '../../engine/index.js';
import { logFailure } from '../state/error-sentences.js';

const BACKUP_SENTENCES: Readonly<Record<string, string>> = {
  BAD_PASSPHRASE: "That passphrase doesn't open this backup; check it (spaces don't matter) and try again.",
  CORRUPT_BACKUP: 'This backup file is damaged or incomplete, so nothing was restored; try another copy of it.',
  UNSUPPORTED_BACKUP:
    "This file isn't a Parley backup, or a newer version of Parley made it; update Parley or pick another file.",
  INVALID_BACKUP_SETTING:
    "This backup holds a setting this version of Parley can't read, so nothing was restored; update Parley or try another backup.",
  IDENTITY_EXISTS: 'This profile already has an identity; restore into a fresh install instead.',
  STORAGE: "Parley couldn't write the backup; check that the disk has free space, then try again.",
};

function vaultCode(error: unknown): string | null {
  if (VaultCallError.is(error)) return error.code;
  if (EngineError.is(error) && VaultCallError.is(error.cause)) return error.cause.code;
  return null;
}

export function backupFailureSentence(what: string, error: unknown): string {
  const generic = logFailure(what, error);
  const code = vaultCode(error);
  if (code !== null && code in BACKUP_SENTENCES) return BACKUP_SENTENCES[code] ?? '';
  if (code === 'INVALID_ARGUMENT' && error instanceof Error && error.message.includes('weak backup passphrase')) {
    return 'That passphrase is too easy to guess; choose a longer one or use the generated code.';
  }
  return generic;
}

/** A progress fraction 0..100 for role=progressbar. */
export function percent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.round((done / total) * 100));
}
