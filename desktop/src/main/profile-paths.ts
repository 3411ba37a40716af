/**
 * Where a profile keeps its files. Electron's userData folder is the
 * profile: Chromium keeps the renderer's IndexedDB (the engine's Dexie
 * database) there, and beside it live the key vault's folder and the list of
 * allowed relays. `--parley-profile=DIR` moves all of it (npm start uses
 * .data/electron), backups included: DIR/backups (../host/backup-folder.ts).
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { profileBackupDir } from '../host/backup-folder.js';

export interface ProfilePaths {
  /** Electron's userData: Chromium's storage, including the renderer's IndexedDB. */
  readonly userDataDir: string;
  /** The key vault's profile folder (vault-key.json, vault.sqlite). */
  readonly vaultDir: string;
  /** allowed-relays.json */
  readonly allowedRelaysFile: string;
  /** Backups: inside a profile named on the command line; undefined for the vault's default (~/Parley Backups). */
  readonly backupDir: string | undefined;
}

/** `named`: the profile folder came from `--parley-profile` (not Electron's default userData). */
export function profilePaths(userDataDir: string, named: boolean): ProfilePaths {
  return {
    userDataDir,
    vaultDir: join(userDataDir, 'vault'),
    allowedRelaysFile: join(userDataDir, 'allowed-relays.json'),
    backupDir: profileBackupDir(named ? userDataDir : null),
  };
}

/** Creates the profile folder (0700: it holds the user's messages) or tightens an existing one. */
export function ensureProfileDir(paths: ProfilePaths): void {
  mkdirSync(paths.userDataDir, { recursive: true, mode: 0o700 });
  chmodSync(paths.userDataDir, 0o700);
}
