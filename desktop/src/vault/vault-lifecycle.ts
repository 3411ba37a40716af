/**
 * The vault's lifecycle state (vault.ts): no identity -> createIdentity ->
 * unlocked <-> lock / unlock, and erase. Holds the one OpenVault while
 * unlocked and the queue every call runs in, one at a time (serial-queue.ts);
 * the feature modules reach the unlocked vault only through `unlocked`.
 */

import { ARGON2ID_MODERATE } from '@parley/crypto-core';
import type { AccountInfo, KeyProtection, VaultEventName, VaultEvents, VaultStatus } from '../common/vault-api.js';
import { eraseProfileFiles } from './erase-identity.js';
import { type KeyUnwrapping, prepareVaultKey, readKeyFile, unwrapVaultKey, writeKeyFile } from './key-file.js';
import { OpenVault, type OpenVaultOptions } from './open-vault.js';
import { PROFILE_FILES, removeFiles } from './profile-files.js';
import { SerialQueue } from './serial-queue.js';
import type { VaultOptions } from './vault.js';
import {
  identityExistsError,
  invalidArgumentError,
  lockedError,
  noIdentityError,
  storageError,
} from './vault-errors.js';
import { VaultEventEmitter } from './vault-events.js';
import { wipe } from './vault-subkeys.js';

/** Database files left without a key file: the remains of a create (or restore) that crashed. */
export const DATABASE_FILES = [
  PROFILE_FILES.database,
  `${PROFILE_FILES.database}-wal`,
  `${PROFILE_FILES.database}-shm`,
];

export class VaultLifecycle {
  readonly options: VaultOptions;
  readonly now: () => number;
  readonly events = new VaultEventEmitter();
  readonly #queue = new SerialQueue();
  #open: OpenVault | null = null;
  /** The account seen at the last unlock: the status names it while locked, without anything on disk naming it. */
  #lastAccount: AccountInfo | null = null;

  constructor(options: VaultOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get profileDir(): string {
    return this.options.profileDir;
  }

  status(): VaultStatus {
    const keyFile = readKeyFile(this.profileDir);
    const keyProtection: KeyProtection = keyFile?.protection ?? this.options.keyProtection;
    if (keyFile === null) return { state: 'no-identity', keyProtection, account: null };
    if (this.#open !== null) return { state: 'unlocked', keyProtection, account: this.#open.account };
    return { state: 'locked', keyProtection, account: this.#lastAccount };
  }

  /** Runs `operation` in turn with the other calls. */
  run<T>(operation: () => Promise<T>): Promise<T> {
    return this.#queue.run(operation);
  }

  /** Runs `operation` in turn, once the vault is known to be unlocked. */
  unlocked<T>(operation: (open: OpenVault) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      const open = this.#open;
      if (open !== null) return operation(open);
      throw readKeyFile(this.profileDir) === null ? noIdentityError() : lockedError();
    });
  }

  createIdentity(passphrase: string | undefined): Promise<AccountInfo> {
    return this.#queue.run(async () => {
      if (readKeyFile(this.profileDir) !== null) throw identityExistsError();
      const { vaultKey, keyFile } = await prepareVaultKey(this.unwrapping(passphrase));
      try {
        // Without a key file no identity exists, so database files here are
        // the remains of a create that crashed: start over.
        removeFiles(this.profileDir, DATABASE_FILES);
        const open = await OpenVault.create(this.openOptions(vaultKey));
        try {
          writeKeyFile(this.profileDir, keyFile);
        } catch (error) {
          open.close();
          throw error;
        }
        return this.becomeUnlocked(open);
      } finally {
        wipe(vaultKey);
      }
    });
  }

  unlock(passphrase: string | undefined): Promise<AccountInfo> {
    return this.#queue.run(async () => {
      const keyFile = readKeyFile(this.profileDir);
      if (keyFile === null) throw noIdentityError();
      const unwrapping = this.unwrapping(passphrase);
      // Checked even when already unlocked: "unlock" answers only to the
      // right passphrase (BAD_PASSPHRASE otherwise), never as a free pass.
      const vaultKey = await unwrapVaultKey(keyFile, unwrapping);
      try {
        if (this.#open !== null) return this.#open.account;
        return this.becomeUnlocked(await OpenVault.open(this.openOptions(vaultKey)));
      } finally {
        wipe(vaultKey);
      }
    });
  }

  lock(): Promise<null> {
    return this.#queue.run(async () => {
      const open = this.#open;
      if (open === null) return null;
      this.#open = null;
      try {
        open.close();
      } catch (error) {
        throw storageError('the vault database did not close cleanly', error);
      } finally {
        this.events.emit('locked', {});
      }
      return null;
    });
  }

  /** Delete account (erase-identity.ts): closes the vault, then erases the identity's files; no identity after. */
  erase(): Promise<null> {
    return this.#queue.run(async () => {
      const open = this.#open;
      if (open === null) {
        throw readKeyFile(this.profileDir) === null ? noIdentityError() : lockedError();
      }
      this.forget();
      try {
        open.close();
        eraseProfileFiles(this.profileDir);
      } catch (error) {
        throw storageError('the identity could not be erased', error);
      }
      return null;
    });
  }

  /** Drops the open vault and the remembered account, answering the vault that was open (to close). Inside `run`. */
  forget(): OpenVault | null {
    const open = this.#open;
    this.#open = null;
    this.#lastAccount = null;
    return open;
  }

  unwrapping(passphrase: string | undefined): KeyUnwrapping {
    const options = this.options;
    if (options.keyProtection === 'passphrase') {
      if (passphrase === undefined) throw invalidArgumentError('this vault is protected by a passphrase: pass it');
      return { protection: 'passphrase', passphrase, kdf: options.kdf ?? ARGON2ID_MODERATE };
    }
    if (passphrase !== undefined) throw invalidArgumentError('this vault uses the OS keychain: pass no passphrase');
    return { protection: 'os-keychain', keychain: options.keychain };
  }

  openOptions(vaultKey: Uint8Array): OpenVaultOptions {
    return {
      profileDir: this.profileDir,
      vaultKey,
      now: this.now,
      emit: <E extends VaultEventName>(event: E, payload: VaultEvents[E]) => this.events.emit(event, payload),
    };
  }

  /** Inside `run`: `open` becomes the unlocked vault. */
  becomeUnlocked(open: OpenVault): AccountInfo {
    this.#open = open;
    this.#lastAccount = open.account;
    return open.account;
  }
}
