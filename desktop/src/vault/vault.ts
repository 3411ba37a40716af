/**
 * The key vault: the only place private keys live. Implements the whole
 * VaultApi (common/vault-api.ts) over a profile folder:
 *
 *   <profileDir>/           0700
 *     vault-key.json        0600  the vault key, wrapped (key-file.ts)
 *     vault.sqlite(-wal)    0600  every record, sealed (vault-database.ts, sealed-rows.ts)
 *
 * Lifecycle (vault-lifecycle.ts): no identity -> createIdentity -> unlocked
 * <-> lock / unlock. While locked nothing secret is in memory and the
 * database is closed. Calls run one at a time (serial-queue.ts); each
 * mutating call commits before it answers (durable-records.ts). Arguments
 * arrive already validated by dispatchVaultCall; nothing else from outside is
 * trusted. This class maps each API method to the module that does it: the
 * unlocked vault's services (open-vault.ts), backups (backup/).
 */
import { ARGON2ID_MODERATE, type Argon2idParams, encodeContent } from '@parley/crypto-core';
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import type {
  AccountInfo,
  ParsedVaultArgs,
  VaultApi,
  VaultEventName,
  VaultEvents,
  VaultResults,
  VaultStatus,
} from '../common/vault-api.js';
import { readKeySection } from './backup/key-section.js';
import { RestoreSteps } from './backup/restore-steps.js';
import { VaultBackups } from './backup/vault-backups.js';
import { finishInterruptedErase } from './erase-identity.js';
import type { Keychain } from './key-file.js';
import { ensureProfileDir } from './profile-files.js';
import { RelayProxy } from './relay-proxy.js';
import { invalidArgumentError } from './vault-errors.js';
import { VaultLifecycle } from './vault-lifecycle.js';

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
  readonly #lifecycle: VaultLifecycle;
  readonly #backups: VaultBackups;
  readonly #restoreSteps: RestoreSteps;
  readonly #relayProxy: RelayProxy;

  constructor(options: VaultOptions) {
    ensureProfileDir(options.profileDir);
    finishInterruptedErase(options.profileDir);
    this.#lifecycle = new VaultLifecycle(options);
    this.#backups = new VaultBackups({
      profileDir: options.profileDir,
      backupDir: options.backupDir,
      backupKdf: options.backupKdf ?? ARGON2ID_MODERATE,
      now: this.#lifecycle.now,
    });
    this.#restoreSteps = new RestoreSteps(this.#lifecycle, this.#backups);
    this.#relayProxy = new RelayProxy();
  }

  /** The backup machinery, for the CLI, which restores from a local path (vault/backup/). */
  get backups(): VaultBackups {
    return this.#backups;
  }

  on<E extends VaultEventName>(event: E, listener: (payload: VaultEvents[E]) => void): () => void {
    return this.#lifecycle.events.on(event, listener);
  }

  async getStatus(_args: ParsedVaultArgs<'getStatus'>): Promise<VaultStatus> {
    return this.#lifecycle.status();
  }

  createIdentity(args: ParsedVaultArgs<'createIdentity'>): Promise<AccountInfo> {
    return this.#lifecycle.createIdentity(args.passphrase);
  }

  unlock(args: ParsedVaultArgs<'unlock'>): Promise<AccountInfo> {
    return this.#lifecycle.unlock(args.passphrase);
  }

  lock(_args: ParsedVaultArgs<'lock'>): Promise<null> {
    return this.#lifecycle.lock();
  }

  getDataKey(_args: ParsedVaultArgs<'getDataKey'>): Promise<VaultResults['getDataKey']> {
    return this.#lifecycle.unlocked(async (open) => ({ key: toBase64(open.dataKey()) }));
  }

  buildRegistration(args: ParsedVaultArgs<'buildRegistration'>): Promise<VaultResults['buildRegistration']> {
    return this.#lifecycle.unlocked((open) =>
      open.preKeys.buildRegistration(args.relayUrl, fromBase64(args.challenge)),
    );
  }

  signChallenge(args: ParsedVaultArgs<'signChallenge'>): Promise<VaultResults['signChallenge']> {
    return this.#lifecycle.unlocked(async (open) =>
      open.preKeys.signChallenge(args.relayUrl, fromBase64(args.challenge)),
    );
  }

  buildPreKeyRefill(args: ParsedVaultArgs<'buildPreKeyRefill'>): Promise<VaultResults['buildPreKeyRefill']> {
    return this.#lifecycle.unlocked((open) => open.preKeys.buildRefill(args.preKeys, args.kyberPreKeys));
  }

  rotateSignedPreKeys(args: ParsedVaultArgs<'rotateSignedPreKeys'>): Promise<VaultResults['rotateSignedPreKeys']> {
    return this.#lifecycle.unlocked((open) => open.preKeys.rotate(args.force));
  }

  setSenderCertificate(args: ParsedVaultArgs<'setSenderCertificate'>): Promise<null> {
    return this.#lifecycle.unlocked(async (open) => {
      await open.certificates.set(
        args.relayUrl,
        fromBase64(args.certificate),
        fromBase64(args.trustRoot),
        args.serverTime,
      );
      return null;
    });
  }

  pinTrustRoot(args: ParsedVaultArgs<'pinTrustRoot'>): Promise<VaultResults['pinTrustRoot']> {
    return this.#lifecycle.unlocked((open) => open.trustRoots.pin(args.relayUrl, fromBase64(args.trustRoot)));
  }

  /**
   * Outside the vault's queue (a slow relay must not hold up decrypts) and
   * without the unlocked state: it uses no key and reaches only other
   * relays' public routes.
   */
  relayRequest(args: ParsedVaultArgs<'relayRequest'>): Promise<VaultResults['relayRequest']> {
    return this.#relayProxy.request(args);
  }

  startSessions(args: ParsedVaultArgs<'startSessions'>): Promise<VaultResults['startSessions']> {
    return this.#lifecycle.unlocked((open) => open.sessions.start(args.bundles));
  }

  getSessionDevices(args: ParsedVaultArgs<'getSessionDevices'>): Promise<VaultResults['getSessionDevices']> {
    return this.#lifecycle.unlocked(async (open) => ({ devices: await open.sessions.devices(args.accountId) }));
  }

  encrypt(args: ParsedVaultArgs<'encrypt'>): Promise<VaultResults['encrypt']> {
    return this.#lifecycle.unlocked((open) => open.outgoing.encrypt(args));
  }

  decrypt(args: ParsedVaultArgs<'decrypt'>): Promise<VaultResults['decrypt']> {
    return this.#lifecycle.unlocked((open) => open.incoming.decrypt(args.envelopes, args.release ?? []));
  }

  releaseDecrypted(args: ParsedVaultArgs<'releaseDecrypted'>): Promise<null> {
    return this.#lifecycle.unlocked(async (open) => {
      await open.incoming.release(args.envelopeIds);
      return null;
    });
  }

  groupAuthor(_args: ParsedVaultArgs<'groupAuthor'>): Promise<VaultResults['groupAuthor']> {
    return this.#lifecycle.unlocked(async (open) => open.groups.author());
  }

  signGroupChange(args: ParsedVaultArgs<'signGroupChange'>): Promise<VaultResults['signGroupChange']> {
    return this.#lifecycle.unlocked(async (open) => open.groups.sign(fromBase64(args.body)));
  }

  groupDistribution(args: ParsedVaultArgs<'groupDistribution'>): Promise<VaultResults['groupDistribution']> {
    return this.#lifecycle.unlocked((open) => open.groups.distribution(args.groupId, args.rotate));
  }

  encryptGroup(args: ParsedVaultArgs<'encryptGroup'>): Promise<VaultResults['encryptGroup']> {
    return this.#lifecycle.unlocked((open) => {
      const { content, ...request } = args;
      if (content.groupId !== args.groupId) {
        throw invalidArgumentError('the content names another group than the message is for');
      }
      return open.groups.encrypt(request, encodeContent(content));
    });
  }

  getSafetyNumber(args: ParsedVaultArgs<'getSafetyNumber'>): Promise<VaultResults['getSafetyNumber']> {
    return this.#lifecycle.unlocked(async (open) => open.trust.getSafetyNumber(args.accountId));
  }

  compareSafetyNumber(args: ParsedVaultArgs<'compareSafetyNumber'>): Promise<VaultResults['compareSafetyNumber']> {
    return this.#lifecycle.unlocked(async (open) => open.trust.compare(args.accountId, args.scanned));
  }

  getContactIdentity(args: ParsedVaultArgs<'getContactIdentity'>): Promise<VaultResults['getContactIdentity']> {
    return this.#lifecycle.unlocked(async (open) => open.trust.getContactIdentity(args.accountId));
  }

  setVerified(args: ParsedVaultArgs<'setVerified'>): Promise<null> {
    return this.#lifecycle.unlocked(async (open) => {
      await open.trust.setVerified(args.accountId, args.verified);
      return null;
    });
  }

  async backupExportBegin(args: ParsedVaultArgs<'backupExportBegin'>): Promise<VaultResults['backupExportBegin']> {
    const keys = await this.#lifecycle.unlocked(async (open) =>
      readKeySection(open.backupContext, args.includeIdentity),
    );
    return this.#backups.exportBegin(args, keys);
  }

  async backupReadableBegin(
    args: ParsedVaultArgs<'backupReadableBegin'>,
  ): Promise<VaultResults['backupReadableBegin']> {
    return this.#lifecycle.unlocked(async () => this.#backups.readableBegin(args));
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

  backupRestoreIdentity(args: ParsedVaultArgs<'backupRestoreIdentity'>): Promise<AccountInfo> {
    return this.#restoreSteps.restoreIdentity(args);
  }

  backupRestoreRead(args: ParsedVaultArgs<'backupRestoreRead'>): Promise<VaultResults['backupRestoreRead']> {
    return this.#backups.restoreRead(args);
  }

  backupRestoreFinish(args: ParsedVaultArgs<'backupRestoreFinish'>): Promise<null> {
    return this.#restoreSteps.finish(args);
  }

  backupRestoreStaged(_args: ParsedVaultArgs<'backupRestoreStaged'>): Promise<VaultResults['backupRestoreStaged']> {
    return this.#restoreSteps.openStaged();
  }

  /** CLI restore: after backupRestoreIdentity, re-seals the verified history into the profile for the engine. */
  stageRestoredHistory(restoreId: string): Promise<void> {
    return this.#restoreSteps.stageHistory(restoreId);
  }

  eraseIdentity(_args: ParsedVaultArgs<'eraseIdentity'>): Promise<null> {
    return this.#lifecycle.erase();
  }
}
