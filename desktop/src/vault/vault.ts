/**
 * The key vault: the only place private keys live. Implements the whole
 * VaultApi (common/vault-api.ts) over a profile folder:
 *
 *   <profileDir>/           0700
 *     vault-key.json        0600  the vault key, wrapped (key-file.ts)
 *     vault.sqlite(-wal)    0600  every record, sealed (vault-database.ts, sealed-rows.ts)
 *
 * Lifecycle: no identity -> createIdentity -> unlocked <-> lock / unlock.
 * While locked nothing secret is in memory and the database is closed.
 * Calls run one at a time (serial-queue.ts); each mutating call commits
 * before it answers (durable-records.ts). Arguments arrive already validated
 * by dispatchVaultCall; nothing else from outside is trusted.
 */
import { ARGON2ID_MODERATE, type Argon2idParams } from '@parley/crypto-core';
import type {
  AccountInfo,
  KeyProtection,
  ParsedVaultArgs,
  VaultApi,
  VaultEventName,
  VaultEvents,
  VaultResults,
  VaultStatus,
} from '../common/vault-api.js';
import { readKeySection } from './backup/key-section.js';
import { clearRestorePending, markRestorePending, removeRestoredIdentity } from './backup/restore-commit.js';
import { writeRestoredDatabase } from './backup/restored-identity.js';
import { openStagedRestore, writeStagedRestore } from './backup/staged-restore.js';
import { VaultBackups } from './backup/vault-backups.js';
import { fromCheckedBase64, toBase64 } from './base64.js';
import { eraseProfileFiles, finishInterruptedErase } from './erase-identity.js';
import {
  type Keychain,
  type KeyUnwrapping,
  prepareVaultKey,
  readKeyFile,
  unwrapVaultKey,
  writeKeyFile,
} from './key-file.js';
import { OpenVault } from './open-vault.js';
import { ensureProfileDir, PROFILE_FILES, removeFiles } from './profile-files.js';
import { SerialQueue } from './serial-queue.js';
import {
  identityExistsError,
  invalidArgumentError,
  lockedError,
  noIdentityError,
  storageError,
} from './vault-errors.js';
import { VaultEventEmitter } from './vault-events.js';
import { wipe } from './vault-subkeys.js';

interface CommonVaultOptions {
  /** The profile folder (created 0700 if missing). One vault per folder at a time. */
  readonly profileDir: string;
  /** Clock, ms since the epoch (tests move it to exercise rotation and expiry). */
  readonly now?: () => number;
  /** Folder for backup exports; default ~/Parley Backups (vault/backup/). */
  readonly backupDir?: string;
  /** Argon2id cost of new backups; default MODERATE. */
  readonly backupKdf?: Argon2idParams;
}

export type VaultOptions =
  | (CommonVaultOptions & {
      readonly keyProtection: 'passphrase';
      /** Argon2id cost for new key files; default MODERATE. Tests pass INTERACTIVE. Existing files keep theirs. */
      readonly kdf?: Argon2idParams;
    })
  | (CommonVaultOptions & {
      readonly keyProtection: 'os-keychain';
      /** The OS keychain (Electron safeStorage, wired by the main process). */
      readonly keychain: Keychain;
    });

export class Vault implements VaultApi {
  readonly #options: VaultOptions;
  readonly #now: () => number;
  readonly #queue = new SerialQueue();
  readonly #events = new VaultEventEmitter();
  #open: OpenVault | null = null;
  /** The account seen at the last unlock: the status names it while locked, without anything on disk naming it. */
  #lastAccount: AccountInfo | null = null;
  readonly #backups: VaultBackups;

  constructor(options: VaultOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    ensureProfileDir(options.profileDir);
    finishInterruptedErase(options.profileDir);
    this.#backups = new VaultBackups({
      profileDir: options.profileDir,
      backupDir: options.backupDir,
      backupKdf: options.backupKdf ?? ARGON2ID_MODERATE,
      now: this.#now,
    });
  }

  /** The backup machinery, for the CLI, which restores from a local path (vault/backup/). */
  get backups(): VaultBackups {
    return this.#backups;
  }

  on<E extends VaultEventName>(event: E, listener: (payload: VaultEvents[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  async getStatus(_args: ParsedVaultArgs<'getStatus'>): Promise<VaultStatus> {
    const keyFile = readKeyFile(this.#options.profileDir);
    const keyProtection: KeyProtection = keyFile?.protection ?? this.#options.keyProtection;
    if (keyFile === null) return { state: 'no-identity', keyProtection, account: null };
    if (this.#open !== null) return { state: 'unlocked', keyProtection, account: this.#open.account };
    return { state: 'locked', keyProtection, account: this.#lastAccount };
  }

  createIdentity(args: ParsedVaultArgs<'createIdentity'>): Promise<AccountInfo> {
    return this.#queue.run(async () => {
      const { profileDir } = this.#options;
      if (readKeyFile(profileDir) !== null) throw identityExistsError();
      const { vaultKey, keyFile } = await prepareVaultKey(this.#unwrapping(args.passphrase));
      try {
        // Without a key file no identity exists, so database files here are
        // the remains of a create that crashed: start over.
        removeFiles(profileDir, [
          PROFILE_FILES.database,
          `${PROFILE_FILES.database}-wal`,
          `${PROFILE_FILES.database}-shm`,
        ]);
        const open = await OpenVault.create(this.#openOptions(vaultKey));
        try {
          writeKeyFile(profileDir, keyFile);
        } catch (error) {
          open.close();
          throw error;
        }
        return this.#becomeUnlocked(open);
      } finally {
        wipe(vaultKey);
      }
    });
  }

  unlock(args: ParsedVaultArgs<'unlock'>): Promise<AccountInfo> {
    return this.#queue.run(async () => {
      const keyFile = readKeyFile(this.#options.profileDir);
      if (keyFile === null) throw noIdentityError();
      const unwrapping = this.#unwrapping(args.passphrase);
      // Checked even when already unlocked: "unlock" answers only to the
      // right passphrase (BAD_PASSPHRASE otherwise), never as a free pass.
      const vaultKey = await unwrapVaultKey(keyFile, unwrapping);
      try {
        if (this.#open !== null) return this.#open.account;
        return this.#becomeUnlocked(await OpenVault.open(this.#openOptions(vaultKey)));
      } finally {
        wipe(vaultKey);
      }
    });
  }

  lock(_args: ParsedVaultArgs<'lock'>): Promise<null> {
    return this.#queue.run(async () => {
      const open = this.#open;
      if (open === null) return null;
      this.#open = null;
      try {
        open.close();
      } catch (error) {
        throw storageError('the vault database did not close cleanly', error);
      } finally {
        this.#events.emit('locked', {});
      }
      return null;
    });
  }

  getDataKey(_args: ParsedVaultArgs<'getDataKey'>): Promise<VaultResults['getDataKey']> {
    return this.#unlocked(async (open) => ({ key: toBase64(open.dataKey()) }));
  }

  getContactCode(args: ParsedVaultArgs<'getContactCode'>): Promise<VaultResults['getContactCode']> {
    return this.#unlocked(async (open) => ({ code: open.contactCode(args.relayUrl) }));
  }

  buildRegistration(args: ParsedVaultArgs<'buildRegistration'>): Promise<VaultResults['buildRegistration']> {
    return this.#unlocked((open) => open.preKeys.buildRegistration(args.relayUrl, fromCheckedBase64(args.challenge)));
  }

  signChallenge(args: ParsedVaultArgs<'signChallenge'>): Promise<VaultResults['signChallenge']> {
    return this.#unlocked(async (open) => open.preKeys.signChallenge(args.relayUrl, fromCheckedBase64(args.challenge)));
  }

  buildPreKeyRefill(args: ParsedVaultArgs<'buildPreKeyRefill'>): Promise<VaultResults['buildPreKeyRefill']> {
    return this.#unlocked((open) => open.preKeys.buildRefill(args.preKeys, args.kyberPreKeys));
  }

  rotateSignedPreKeys(args: ParsedVaultArgs<'rotateSignedPreKeys'>): Promise<VaultResults['rotateSignedPreKeys']> {
    return this.#unlocked((open) => open.preKeys.rotate(args.force));
  }

  setSenderCertificate(args: ParsedVaultArgs<'setSenderCertificate'>): Promise<null> {
    return this.#unlocked(async (open) => {
      await open.certificates.set(
        args.relayUrl,
        fromCheckedBase64(args.certificate),
        fromCheckedBase64(args.trustRoot),
        args.serverTime,
      );
      return null;
    });
  }

  startSessions(args: ParsedVaultArgs<'startSessions'>): Promise<VaultResults['startSessions']> {
    return this.#unlocked((open) => open.sessions.start(args.bundles));
  }

  getSessionDevices(args: ParsedVaultArgs<'getSessionDevices'>): Promise<VaultResults['getSessionDevices']> {
    return this.#unlocked(async (open) => ({ devices: await open.sessions.devices(args.accountId) }));
  }

  encrypt(args: ParsedVaultArgs<'encrypt'>): Promise<VaultResults['encrypt']> {
    return this.#unlocked((open) => open.outgoing.encrypt(args));
  }

  decrypt(args: ParsedVaultArgs<'decrypt'>): Promise<VaultResults['decrypt']> {
    return this.#unlocked((open) => open.incoming.decrypt(args.relayUrl, args.envelopes, args.release ?? []));
  }

  releaseDecrypted(args: ParsedVaultArgs<'releaseDecrypted'>): Promise<null> {
    return this.#unlocked(async (open) => {
      await open.incoming.release(args.envelopeIds);
      return null;
    });
  }

  getSafetyNumber(args: ParsedVaultArgs<'getSafetyNumber'>): Promise<VaultResults['getSafetyNumber']> {
    return this.#unlocked(async (open) => open.trust.getSafetyNumber(args.accountId));
  }

  compareSafetyNumber(args: ParsedVaultArgs<'compareSafetyNumber'>): Promise<VaultResults['compareSafetyNumber']> {
    return this.#unlocked(async (open) => open.trust.compare(args.accountId, args.scanned));
  }

  getContactIdentity(args: ParsedVaultArgs<'getContactIdentity'>): Promise<VaultResults['getContactIdentity']> {
    return this.#unlocked(async (open) => open.trust.getContactIdentity(args.accountId));
  }

  setVerified(args: ParsedVaultArgs<'setVerified'>): Promise<null> {
    return this.#unlocked(async (open) => {
      await open.trust.setVerified(args.accountId, args.verified);
      return null;
    });
  }

  async backupExportBegin(args: ParsedVaultArgs<'backupExportBegin'>): Promise<VaultResults['backupExportBegin']> {
    const keys = await this.#unlocked(async (open) => readKeySection(open.backupContext, args.includeIdentity));
    return this.#backups.exportBegin(args, keys);
  }

  async backupReadableBegin(
    args: ParsedVaultArgs<'backupReadableBegin'>,
  ): Promise<VaultResults['backupReadableBegin']> {
    return this.#unlocked(async () => this.#backups.readableBegin(args));
  }

  backupExportWrite(args: ParsedVaultArgs<'backupExportWrite'>): Promise<VaultResults['backupExportWrite']> {
    return this.#backups.exportWrite(args);
  }

  backupExportFinish(args: ParsedVaultArgs<'backupExportFinish'>): Promise<VaultResults['backupExportFinish']> {
    return this.#backups.exportFinish(args);
  }

  backupExportAbort(args: ParsedVaultArgs<'backupExportAbort'>): Promise<null> {
    return this.#backups.exportAbort(args);
  }

  async backupUpload(args: ParsedVaultArgs<'backupUpload'>): Promise<VaultResults['backupUpload']> {
    return this.#backups.upload(args);
  }

  backupRestoreOpen(args: ParsedVaultArgs<'backupRestoreOpen'>): Promise<VaultResults['backupRestoreOpen']> {
    return this.#backups.restoreOpen(args);
  }

  /** Writes the verified backup's identity into this vault, which must have none (restored-identity.ts). */
  backupRestoreIdentity(args: ParsedVaultArgs<'backupRestoreIdentity'>): Promise<AccountInfo> {
    const session = this.#backups.restores.get(args.restoreId);
    return this.#queue.run(async () => {
      const { profileDir } = this.#options;
      if (readKeyFile(profileDir) !== null) throw identityExistsError();
      const { vaultKey, keyFile } = await prepareVaultKey(this.#unwrapping(args.vaultPassphrase));
      try {
        removeFiles(profileDir, [
          PROFILE_FILES.database,
          `${PROFILE_FILES.database}-wal`,
          `${PROFILE_FILES.database}-shm`,
        ]);
        await writeRestoredDatabase(profileDir, vaultKey, session.verified.keys);
        markRestorePending(profileDir);
        writeKeyFile(profileDir, keyFile);
        session.identityCreated = true;
        return this.#becomeUnlocked(await OpenVault.open(this.#openOptions(vaultKey)));
      } finally {
        wipe(vaultKey);
      }
    });
  }

  backupRestoreRead(args: ParsedVaultArgs<'backupRestoreRead'>): Promise<VaultResults['backupRestoreRead']> {
    return this.#backups.restoreRead(args);
  }

  /** 'imported' commits the restore; 'failed' removes the identity it created, so nothing of it stays. */
  async backupRestoreFinish(args: ParsedVaultArgs<'backupRestoreFinish'>): Promise<null> {
    const session = await this.#backups.restores.close(args.restoreId, args.outcome);
    if (!session.identityCreated) return null;
    return this.#queue.run(async () => {
      const { profileDir } = this.#options;
      if (args.outcome === 'imported') {
        clearRestorePending(profileDir);
        return null;
      }
      const open = this.#open;
      this.#open = null;
      this.#lastAccount = null;
      open?.close();
      removeRestoredIdentity(profileDir);
      return null;
    });
  }

  /** Opens the history the CLI staged in this profile (staged-restore.ts), verified, for the engine to import. */
  async backupRestoreStaged(
    _args: ParsedVaultArgs<'backupRestoreStaged'>,
  ): Promise<VaultResults['backupRestoreStaged']> {
    const dataKey = await this.#unlocked(async (open) => open.dataKey().slice());
    const staged = await openStagedRestore(this.#options.profileDir, dataKey);
    if (staged === null) return null;
    const session = await this.#backups.restores.openWithKey(staged.path, staged.opened, staged.path, true);
    return {
      restoreId: session.id,
      summary: session.verified.summary,
      ignoredSettingKeys: [...session.verified.ignoredSettingKeys],
    };
  }

  /** CLI restore: after backupRestoreIdentity, re-seals the verified history into the profile for the engine. */
  async stageRestoredHistory(restoreId: string): Promise<void> {
    const session = this.#backups.restores.get(restoreId);
    const dataKey = await this.#unlocked(async (open) => open.dataKey().slice());
    await writeStagedRestore(this.#options.profileDir, session, dataKey);
  }

  /** Delete account (erase-identity.ts): closes the vault, then erases the identity's files; no identity after. */
  eraseIdentity(_args: ParsedVaultArgs<'eraseIdentity'>): Promise<null> {
    return this.#queue.run(async () => {
      const open = this.#open;
      if (open === null) {
        throw readKeyFile(this.#options.profileDir) === null ? noIdentityError() : lockedError();
      }
      this.#open = null;
      this.#lastAccount = null;
      try {
        open.close();
        eraseProfileFiles(this.#options.profileDir);
      } catch (error) {
        throw storageError('the identity could not be erased', error);
      }
      return null;
    });
  }

  /** Runs `operation` in turn, once the vault is known to be unlocked. */
  #unlocked<T>(operation: (open: OpenVault) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      const open = this.#open;
      if (open !== null) return operation(open);
      throw readKeyFile(this.#options.profileDir) === null ? noIdentityError() : lockedError();
    });
  }

  #unwrapping(passphrase: string | undefined): KeyUnwrapping {
    const options = this.#options;
    if (options.keyProtection === 'passphrase') {
      if (passphrase === undefined) throw invalidArgumentError('this vault is protected by a passphrase: pass it');
      return { protection: 'passphrase', passphrase, kdf: options.kdf ?? ARGON2ID_MODERATE };
    }
    if (passphrase !== undefined) throw invalidArgumentError('this vault uses the OS keychain: pass no passphrase');
    return { protection: 'os-keychain', keychain: options.keychain };
  }

  #openOptions(vaultKey: Uint8Array) {
    return {
      profileDir: this.#options.profileDir,
      vaultKey,
      now: this.#now,
      emit: <E extends VaultEventName>(event: E, payload: VaultEvents[E]) => this.#events.emit(event, payload),
    };
  }

  #becomeUnlocked(open: OpenVault): AccountInfo {
    this.#open = open;
    this.#lastAccount = open.account;
    return open.account;
  }
}
