/**
 * The relay's storage interface. Every method is asynchronous, because the
 * scale-out store (PostgreSQL) is; nothing above this layer may rely on the
 * embedded SQLite store answering synchronously.
 *
 * The store is the source of truth for delivery: an envelope is acknowledged
 * to its sender only after `insertEnvelopes` resolved (committed durably), and
 * removed only by `deleteEnvelopes` / `deleteEnvelopesBatch` after its
 * recipient acknowledged it.
 *
 * Byte fields are carried as the canonical base64 strings of the wire format:
 * the relay never looks inside them, and passing them through avoids a
 * decode/encode on every hop. Implementations may store them as blobs.
 *
 * Failures the caller can act on are `RelayStoreError`s (relay-store-errors.ts)
 * with a code: STORE_CLOSED before `init()` or after `close()`,
 * DUPLICATE_ENVELOPE, UNKNOWN_DEVICE, INVALID_INPUT (e.g. non-canonical
 * base64, which a blob store could not give back unchanged), the refusals of
 * the limits below (TOO_MANY_PREKEYS, PREKEY_ID_CONFLICT, REGISTRATION_CLOSED,
 * INVITE_REQUIRED, INVITE_INVALID), and at start-up UNSUPPORTED_SETTING,
 * DURABILITY_MISMATCH, SCHEMA_TOO_NEW. Anything else is an engine failure
 * (disk full, lock timeout): treat it as "unavailable".
 *
 * Limits are the store's business where they depend on what is stored: a
 * device's queue (envelopes and bytes), an account's bytes sent today, a
 * device's one-time prekeys, and invite codes. The store checks and applies
 * them in the same transaction as the write they limit, so concurrent
 * writers (sends batched together, several processes on one database) can
 * never exceed them. The caller passes the limits with each call; a call
 * without them is unlimited (tests, tools).
 */
import type {
  AccountId,
  EnvelopeType,
  KyberPreKeyWire,
  OneTimePreKeyWire,
  SignedPreKeyWire,
} from '@parley/crypto-core/wire';

export interface DeviceRegistration {
  readonly accountId: AccountId;
  readonly deviceId: number;
  /** base64 of the registering install's 16 random bytes (wire `installationId`). */
  readonly installationId: string;
  readonly registrationId: number;
  /** base64 of the 33-byte identity public key; the account id commits to it. */
  readonly identityKey: string;
  readonly signedPreKey: SignedPreKeyWire;
  readonly lastResortKyberPreKey: KyberPreKeyWire;
  readonly preKeys: readonly OneTimePreKeyWire[];
  readonly kyberPreKeys: readonly KyberPreKeyWire[];
  readonly now: number;
}

export interface StoredDevice {
  readonly deviceId: number;
  readonly registrationId: number;
  readonly createdAt: number;
  /** base64; the install that registered the device last (null: registered before installation ids existed). */
  readonly installationId: string | null;
  /** base64, new at every registration (device-generation.ts): a token is good only for the current one. */
  readonly generation: string;
}

/** What a registration did. */
export interface RegisteredDevice {
  /** The device's new generation. */
  readonly generation: string;
  /**
   * Another install held the device (or one from before installation ids):
   * its queued envelopes were deleted in the same transaction, since they are
   * sealed to sessions the registering install does not have.
   */
  readonly takenOver: boolean;
  /** How many queued envelopes the takeover deleted (0 without one). */
  readonly droppedEnvelopes: number;
}

/**
 * An account's access keys as stored: base64 of the SHA-256 of each 16-byte
 * key, never the keys, so a copy of the database lets no one send.
 */
export interface AccessKeyHashes {
  /** The key in the account's contact code. */
  readonly codeKeyHash: string;
  /** The key the account shares with the contacts it accepted. */
  readonly contactKeyHash: string;
}

export interface StoredAccount {
  readonly accountId: AccountId;
  readonly identityKey: string;
  readonly createdAt: number;
  /** Ordered by device id. */
  readonly devices: readonly StoredDevice[];
  /** Null until the account registers access keys (clients that predate them never do). */
  readonly accessKeys: AccessKeyHashes | null;
}

export interface PreKeyReplenish {
  readonly signedPreKey?: SignedPreKeyWire | undefined;
  readonly lastResortKyberPreKey?: KyberPreKeyWire | undefined;
  readonly preKeys: readonly OneTimePreKeyWire[];
  readonly kyberPreKeys: readonly KyberPreKeyWire[];
}

export interface PreKeyCounts {
  readonly preKeys: number;
  readonly kyberPreKeys: number;
}

/**
 * One device's bundle as handed out. `preKey` is a one-time EC prekey that
 * this call removed from the store (null when none was left); `kyberPreKey`
 * is a one-time Kyber prekey this call removed, or the device's last-resort
 * Kyber key (never removed) when none was left.
 */
export interface ClaimedBundle {
  readonly accountId: AccountId;
  readonly deviceId: number;
  readonly registrationId: number;
  readonly identityKey: string;
  readonly signedPreKey: SignedPreKeyWire;
  readonly preKey: OneTimePreKeyWire | null;
  readonly kyberPreKey: KyberPreKeyWire;
  readonly kyberPreKeyIsLastResort: boolean;
}

export interface NewEnvelope {
  /** UUIDv7 chosen by the relay before the insert. */
  readonly id: string;
  readonly recipient: AccountId;
  readonly deviceId: number;
  readonly type: EnvelopeType;
  /** Absent for sealed envelopes: not recorded at all. */
  readonly source?: { readonly accountId: AccountId; readonly deviceId: number } | undefined;
  /** base64 ciphertext. */
  readonly content: string;
  readonly serverTimestamp: number;
  readonly expiresAt: number;
}

export interface StoredEnvelope extends NewEnvelope {
  /**
   * Position in the recipient device's queue: strictly increasing in insert
   * order per (recipient, device). Used as the drain cursor.
   */
  readonly seq: number;
}

/** One recipient device's acknowledgement: delete these envelopes from its own queue. */
export interface EnvelopeDeletion {
  readonly recipient: AccountId;
  readonly deviceId: number;
  readonly ids: readonly string[];
}

/** Most one-time prekeys of each kind one device may have stored (storePreKeys, registerDevice). */
export interface PreKeyLimits {
  readonly maxPreKeys: number;
  readonly maxKyberPreKeys: number;
}

/** Whether registerDevice may create an account that does not exist yet (devices of existing accounts always may). */
export type AccountAdmission =
  | { readonly policy: 'open' }
  | { readonly policy: 'closed' }
  | {
      readonly policy: 'invite';
      /** base64 of the SHA-256 of the normalized invite code, or null when the request had no code. */
      readonly inviteCodeHash: string | null;
    };

export interface RegistrationRules {
  readonly admission: AccountAdmission;
  readonly preKeyLimits: PreKeyLimits;
}

/** A one-time invite code as stored: only its hash, so a copy of the database admits no one. */
export interface NewInvite {
  /** base64 of the SHA-256 of the normalized code. */
  readonly codeHash: string;
  readonly createdAt: number;
  readonly expiresAt: number;
}

/**
 * One send as the relay commits it: the sending account, which its bytes are
 * charged to, and its envelopes (one per addressed device), stored together
 * or not at all.
 */
export interface NewSend {
  /**
   * Charged with the send's bytes; null for an unauthenticated send (POST
   * /v1/messages), which no account is charged for: the relay counts its
   * bytes against the recipient's access key instead, in memory.
   */
  readonly sender: AccountId | null;
  readonly envelopes: readonly NewEnvelope[];
}

/**
 * What commitSends enforces. Bytes are decoded ciphertext bytes
 * (base64DecodedLength of each envelope's content). Days are UTC days.
 */
export interface SendLimits {
  /** Envelopes queued for one device, at most. */
  readonly maxQueueEnvelopes: number;
  /** Bytes queued for one device, at most. */
  readonly maxQueueBytes: number;
  /** Bytes one account may have stored through sends during one UTC day. */
  readonly dailySendBytes: number;
  /** The time that decides which day a send is charged to. */
  readonly now: number;
}

/** What chargeStoredBytes enforces: the daily quota of SendLimits, at a time. */
export type StoredBytesLimits = Pick<SendLimits, 'dailySendBytes' | 'now'>;

export type SendRefusal =
  | {
      readonly reason: 'queue-full';
      readonly recipient: AccountId;
      /** The recipient's devices whose queue has no room for this send, ascending. */
      readonly fullDevices: readonly number[];
    }
  | {
      readonly reason: 'quota-exceeded';
      /** When the sender's next day begins (ms since the epoch, a UTC midnight). */
      readonly resetsAt: number;
    };

export type SendOutcome =
  | { readonly ok: true; readonly stored: StoredEnvelope[] }
  | { readonly ok: false; readonly refusal: SendRefusal };

export interface StoredChallenge {
  /** base64 of the random challenge bytes. */
  readonly challenge: string;
  readonly accountId: AccountId;
  readonly deviceId: number;
  readonly expiresAt: number;
}

/** What the store promises about durability, reported and checked at start-up. */
export interface DurabilityReport {
  /** e.g. "sqlite" | "memory" | "postgres". */
  readonly engine: string;
  /** True when a committed write survives a process kill (-9). */
  readonly survivesProcessCrash: boolean;
  /** True when a committed write survives power loss / an OS crash. */
  readonly survivesPowerLoss: boolean;
  /** Human-readable settings, e.g. { journal_mode: 'wal', synchronous: 'FULL' }. */
  readonly settings: Readonly<Record<string, string>>;
}

/**
 * Transactions a store ran again because its engine aborted them for a
 * conflict with another transaction, by cause, since the store was created.
 * Only a store on a server several writers share (PostgreSQL) has any.
 */
export interface TransactionRetries {
  readonly deadlock: number;
  readonly serializationFailure: number;
}

export interface RelayStore {
  /** Opens/creates the schema and checks the durability settings (throws when they are weaker than promised). */
  init(): Promise<DurabilityReport>;
  close(): Promise<void>;

  // Challenges: single-use, short-lived. Shared through the store so any node may verify.
  putChallenge(challenge: StoredChallenge): Promise<void>;
  /**
   * Atomically removes and returns true if the challenge exists for (account, device) and is unexpired at `now`.
   * Presenting a challenge removes it even when the answer is false (wrong account or device, expired):
   * one attempt per challenge.
   */
  consumeChallenge(challenge: string, accountId: AccountId, deviceId: number, now: number): Promise<boolean>;
  deleteExpiredChallenges(now: number): Promise<number>;

  // Accounts and devices.
  /**
   * Creates the account if needed and (re)registers the device: replaces its
   * registration id, signed and last-resort keys and all its one-time
   * prekeys, records the installation id and gives the device a new random
   * generation. Returns null (and changes nothing) when the account exists
   * with another identity key. The device keeps its first `createdAt`. When
   * the device existed under another installation id (or none), the
   * registration is a takeover: its queued envelopes are deleted in the same
   * transaction. From the same installation id they stay queued.
   *
   * With `rules`, in the same transaction: a new account must be admitted
   * (REGISTRATION_CLOSED; INVITE_REQUIRED without a code; INVITE_INVALID for
   * a code unknown, used or expired at `registration.now`), and a valid
   * invite is consumed only when the registration commits; a device of an
   * existing account (a takeover included) needs no invite. The one-time
   * prekeys must fit `preKeyLimits` (TOO_MANY_PREKEYS). Without `rules` any
   * new account is admitted and any number of prekeys kept. Either way a key
   * id given twice with different keys is PREKEY_ID_CONFLICT (twice with the
   * same key counts once). A refused registration changes nothing: no queue
   * is dropped, no invite consumed.
   */
  registerDevice(registration: DeviceRegistration, rules?: RegistrationRules): Promise<RegisteredDevice | null>;
  getAccount(accountId: AccountId): Promise<StoredAccount | null>;
  /**
   * Registers the account's access keys (their hashes), replacing both of any
   * registered before. False, changing nothing, when the account does not
   * exist. Non-canonical base64 is INVALID_INPUT. getAccount returns them.
   */
  setAccessKeys(accountId: AccountId, keys: AccessKeyHashes): Promise<boolean>;
  /**
   * Removes the account, its devices, keys, access keys, queued envelopes and challenges. True if it existed.
   * Also withdraws the account's own undelivered unsealed envelopes to others (they name it as source),
   * and erases queued envelopes and challenges for the id even when no account row exists.
   */
  deleteAccount(accountId: AccountId): Promise<boolean>;

  // Prekeys.
  /**
   * Adds one-time prekeys and replaces the signed/last-resort keys given, all or nothing.
   * A key id already stored (or given twice) with the same public key is kept as it is
   * (re-uploading is idempotent); with another public key the call fails with PREKEY_ID_CONFLICT.
   * With `limits`, an upload that would leave the device more one-time keys of a kind than
   * allowed fails with TOO_MANY_PREKEYS. Rejects with UNKNOWN_DEVICE when the device does not exist.
   */
  storePreKeys(accountId: AccountId, deviceId: number, keys: PreKeyReplenish, limits?: PreKeyLimits): Promise<void>;
  countPreKeys(accountId: AccountId, deviceId: number): Promise<PreKeyCounts>;
  /**
   * Atomically claims a bundle for one device: each one-time key is handed
   * out at most once, even under concurrent calls from several processes.
   * One-time keys go out lowest key id first. Null when the device does not exist.
   */
  claimBundle(accountId: AccountId, deviceId: number): Promise<ClaimedBundle | null>;

  // Invites.
  /** Stores invite codes (their hashes); a hash already stored fails the call with INVALID_INPUT, storing none. */
  createInvites(invites: readonly NewInvite[]): Promise<void>;
  /** Removes invites whose expiresAt <= now. Returns how many went. */
  deleteExpiredInvites(now: number): Promise<number>;

  // Envelopes.
  /**
   * Commits sends in one transaction, each send whole or not at all, checking
   * `limits` send by send, in order, against what is stored plus what the
   * earlier sends of the call added: a send whose sender would pass its daily
   * bytes is refused with `quota-exceeded`; one that would pass a device's
   * queue envelopes or bytes with `queue-full`, naming every device without
   * room. A refused send stores and charges nothing; the others commit. The
   * accepted sends' bytes are charged to their senders' day. A duplicate
   * envelope id (DUPLICATE_ENVELOPE) or an engine failure fails the whole
   * call, storing nothing. Seqs are assigned in commit order, as in insertEnvelopes.
   */
  commitSends(sends: readonly NewSend[], limits: SendLimits): Promise<SendOutcome[]>;
  /**
   * Charges `bytes` the account stores outside envelopes (an attachment blob)
   * to its UTC day of `limits.now`, the same daily bytes its sends count
   * against: false, charging nothing, when the day would pass
   * `limits.dailySendBytes`. Checked and charged in one transaction.
   */
  chargeStoredBytes(accountId: AccountId, bytes: number, limits: StoredBytesLimits): Promise<boolean>;
  /** Forgets the bytes sent on days before the UTC day of `now` (no longer needed for the quota). Returns rows removed. */
  deleteExpiredSendUsage(now: number): Promise<number>;
  /**
   * Inserts all envelopes in one transaction, without limits or quota (tools
   * and tests; the relay commits through commitSends): all are committed durably, or none is and it throws.
   * An id already stored or repeated in the batch fails it with DUPLICATE_ENVELOPE (details name the
   * envelope and its index). Recipients are not checked here: the server checks them before a send.
   * Seqs are assigned in commit order, so a drain cursor never skips a later commit.
   */
  insertEnvelopes(envelopes: readonly NewEnvelope[]): Promise<StoredEnvelope[]>;
  /**
   * Envelopes for one device with seq > afterSeq, unexpired at `now`, in seq order, at most `limit`.
   * afterSeq is an integer >= 0 (0: from the start); a limit below 1 gives an empty page.
   */
  fetchEnvelopes(
    recipient: AccountId,
    deviceId: number,
    afterSeq: number,
    limit: number,
    now: number,
  ): Promise<StoredEnvelope[]>;
  /** Deletes the recipient device's envelopes with these ids (ignores ids that are not theirs). Returns how many went. */
  deleteEnvelopes(recipient: AccountId, deviceId: number, ids: readonly string[]): Promise<number>;
  /**
   * `deleteEnvelopes` for many acknowledgements at once, in one transaction
   * (one commit, so one fsync, however many devices acked): all deletions
   * commit, or none does and it throws. Each deletion touches only its own
   * recipient device's queue. Deletions apply in order, so an id named twice
   * counts where it first went. Returns how many went, per deletion, in order.
   *
   * Unlike `insertEnvelopes`, the commit need not be flushed to stable storage
   * at once: an implementation may let it become durable with its next durable
   * commit. Losing an acknowledgement to power failure only brings its
   * envelopes back, to be delivered again and dropped by id on the client.
   */
  deleteEnvelopesBatch(deletions: readonly EnvelopeDeletion[]): Promise<number[]>;
  /** Removes envelopes whose expiresAt <= now. Returns how many went. */
  deleteExpiredEnvelopes(now: number): Promise<number>;
  /** Envelopes currently queued, all recipients. */
  countEnvelopes(): Promise<number>;
  /**
   * True when writes commit in the order they were called even while earlier
   * ones are still running (one writer that takes calls in turn: the SQLite
   * store's writer thread). The envelope committer then keeps a second batch
   * in flight behind the first; without it, one at a time, so that commit
   * order stays call order.
   */
  readonly commitsInCallOrder?: boolean;
  /** Retried transactions (metrics); absent on stores that never retry one. */
  transactionRetries?(): TransactionRetries;
}
