/**
 * The vault while unlocked: the database opened and locked, every record
 * decrypted into memory, and the services over them. Built by unlock or
 * createIdentity with the vault key, and dropped whole by lock.
 */
import { type AccountId, generateIdentity, generateKey, loadIdentity, SessionCipher } from '@parley/crypto-core';
import type { AccountInfo } from '../common/vault-api.js';
import { DurableProtocolStore } from './durable-protocol-store.js';
import { DurableRecords } from './durable-records.js';
import { GroupKeys } from './group-keys.js';
import { IdentityTrust } from './identity-trust.js';
import { IncomingMessages } from './incoming-messages.js';
import { ensureInstallationId, setNewInstallationId } from './installation-id.js';
import { dropLegacyIdentities } from './legacy-identities.js';
import { OutgoingMessages } from './outgoing-messages.js';
import { initialPreKeyState, PreKeyMaintenance } from './prekey-maintenance.js';
import { RecordKinds } from './record-kinds.js';
import { RowSealer } from './sealed-rows.js';
import { SenderCertificates } from './sender-certificates.js';
import { Sessions } from './sessions.js';
import { TrustRoots } from './trust-roots.js';
import type { EmitVaultEvent, UnlockedContext } from './unlocked-context.js';
import { VaultDatabase } from './vault-database.js';
import { storageError, vaultDamagedError } from './vault-errors.js';
import { deriveVaultSubkeys } from './vault-subkeys.js';

/** The first (and for now only) device of an account. */
export const PRIMARY_DEVICE_ID = 1;

export interface OpenVaultOptions {
  readonly profileDir: string;
  readonly vaultKey: Uint8Array;
  readonly now: () => number;
  readonly emit: EmitVaultEvent;
}

export class OpenVault {
  readonly account: AccountInfo;
  readonly trust: IdentityTrust;
  readonly sessions: Sessions;
  readonly certificates: SenderCertificates;
  readonly trustRoots: TrustRoots;
  readonly outgoing: OutgoingMessages;
  readonly incoming: IncomingMessages;
  readonly preKeys: PreKeyMaintenance;
  readonly groups: GroupKeys;
  readonly #context: UnlockedContext;
  readonly #database: VaultDatabase;

  private constructor(context: UnlockedContext, database: VaultDatabase) {
    this.#context = context;
    this.#database = database;
    this.account = {
      accountId: context.identity.accountId,
      deviceId: context.local.deviceId,
      registrationId: context.identity.registrationId,
    };
    this.trust = new IdentityTrust(context);
    this.sessions = new Sessions(context);
    this.trustRoots = new TrustRoots(context);
    this.certificates = new SenderCertificates(context, this.trustRoots);
    this.groups = new GroupKeys(context, this.sessions, this.certificates);
    this.outgoing = new OutgoingMessages(context, this.sessions, this.certificates, this.groups);
    this.incoming = new IncomingMessages(context, this.trustRoots);
    this.preKeys = new PreKeyMaintenance(context);
  }

  /** Writes a new identity (key pair, data key, prekey counters, installation id) into a fresh database and opens it. */
  static async create(options: OpenVaultOptions): Promise<OpenVault> {
    const database = VaultDatabase.open(options.profileDir);
    try {
      const records = await DurableRecords.load(database, new RowSealer(deriveVaultSubkeys(options.vaultKey)));
      if (records.size !== 0) throw storageError('a new vault database is not empty', null);
      const identity = generateIdentity();
      const dataKey = await generateKey();
      await records.transaction(async () => {
        records.set(RecordKinds.localAccount, [], {
          identityKeyPair: identity.identityKeyPair,
          registrationId: identity.registrationId,
          deviceId: PRIMARY_DEVICE_ID,
        });
        records.set(RecordKinds.dataKey, [], dataKey);
        records.set(RecordKinds.preKeyState, [], initialPreKeyState());
        setNewInstallationId(records);
      });
      return OpenVault.#build(options, records, database);
    } catch (error) {
      database.close();
      throw error;
    }
  }

  /** Opens an existing vault database with its vault key. */
  static async open(options: OpenVaultOptions): Promise<OpenVault> {
    const database = VaultDatabase.open(options.profileDir);
    try {
      const records = await DurableRecords.load(database, new RowSealer(deriveVaultSubkeys(options.vaultKey)));
      await dropLegacyIdentities(records);
      const vault = OpenVault.#build(options, records, database);
      await ensureInstallationId(records);
      await vault.incoming.purgeStale();
      return vault;
    } catch (error) {
      database.close();
      throw error;
    }
  }

  static #build(options: OpenVaultOptions, records: DurableRecords, database: VaultDatabase): OpenVault {
    const account = records.get(RecordKinds.localAccount);
    if (account === undefined || !records.has(RecordKinds.dataKey) || !records.has(RecordKinds.preKeyState)) {
      const missing =
        account === undefined ? 'local-account' : !records.has(RecordKinds.dataKey) ? 'data-key' : 'prekey-state';
      throw vaultDamagedError(missing, 'the record is missing', null);
    }
    const identity = loadIdentity({ identityKeyPair: account.identityKeyPair, registrationId: account.registrationId });
    const local = { accountId: identity.accountId, deviceId: account.deviceId };
    const store = new DurableProtocolStore(records, identity);
    const context: UnlockedContext = {
      records,
      store,
      identity,
      local,
      sessions: new SessionCipher(store, local),
      now: options.now,
      emit: options.emit,
    };
    return new OpenVault(context, database);
  }

  /** The unlocked records and identity, for backup export (vault/backup/), which reads across services. */
  get backupContext(): UnlockedContext {
    return this.#context;
  }

  get accountId(): AccountId {
    return this.#context.identity.accountId;
  }

  dataKey(): Uint8Array {
    const key = this.#context.records.get(RecordKinds.dataKey);
    if (key === undefined) throw storageError('the vault has no data key', null);
    return key;
  }

  /** Forgets every record and closes the database (checkpointed, lock released). */
  close(): void {
    this.#context.records.clear();
    this.#database.close();
  }
}
