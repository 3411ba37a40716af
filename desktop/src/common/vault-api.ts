/**
 * The vault's API: the one boundary between the renderer (UI + client engine)
 * and the process that holds the keys (Electron main, or the web shell).
 * Implemented once by the vault; reached through a generic typed `invoke`
 * over Electron IPC or the web shell's WebSocket (invoke.ts), dispatched on
 * the vault side by dispatch.ts, which validates every argument against
 * `vaultArgSchemas` first.
 *
 * Every method takes one plain-JSON argument object and returns plain JSON.
 * Bytes are base64. Nothing here ever returns a private key or the vault key:
 * the only key that leaves is the data key the engine needs to encrypt message
 * bodies at rest in IndexedDB.
 *
 * Browser-safe: zod and crypto-core's native-free subpaths only.
 */

import {
  type BackupCounts,
  type BackupSummary,
  type HistoryRecord,
  historyRecordSchema,
} from '@parley/crypto-core/backup-records';
import {
  deleteWireSchema,
  editWireSchema,
  expireTimerWireSchema,
  type GroupWire,
  groupWireSchema,
  profileWireSchema,
  quoteSchema,
  reactionWireSchema,
  receiptWireSchema,
  senderKeyRequestWireSchema,
  sessionResetWireSchema,
  textV2WireSchema,
  textWireSchema,
  typingWireSchema,
} from '@parley/crypto-core/content';
import { MAX_GROUP_CHANGE_BODY_BYTES } from '@parley/crypto-core/group';
import {
  type AccountId,
  accessKeySchema,
  accountIdSchema,
  base64Bytes,
  type DeviceAddress,
  envelopeSchema,
  MAX_ENVELOPES_PER_BATCH,
  MAX_MULTI_RECIPIENTS,
  type OutgoingMessage,
  type PreKeyUpload,
  preKeyBundlesResponseSchema,
  type RegisterRequest,
  timestampSchema,
} from '@parley/crypto-core/wire';
import { z } from 'zod';
import type { ApiError } from './result.js';

export type VaultState = 'no-identity' | 'locked' | 'unlocked';
/** Where the vault key comes from: the OS keychain (Electron safeStorage) or a passphrase (Argon2id). */
export type KeyProtection = 'os-keychain' | 'passphrase';
/** 'first-use': recorded with the first session; 'verified': safety numbers were compared. */
export type IdentityTrust = 'first-use' | 'verified';

export interface AccountInfo {
  readonly accountId: AccountId;
  readonly deviceId: number;
  readonly registrationId: number;
}

export interface VaultStatus {
  readonly state: VaultState;
  readonly keyProtection: KeyProtection;
  /**
   * Known once an identity exists, even while locked (the id is not secret).
   * After a restart it is null until the first unlock: the profile's files
   * never name the account (nothing in them is readable without the vault key).
   */
  readonly account: AccountInfo | null;
}

const { v: _groupVersion, ...groupShape } = groupWireSchema.shape;

/**
 * Group control as the engine sends it: signed changes (public among the
 * members; the vault signed ours with signGroupChange) and the sender's set
 * digest. The wire schema's rule kept: a sync carries no change, the others
 * at least one.
 */
const outgoingGroupSchema = z
  .strictObject(groupShape)
  .refine(
    (group) => (group.kind === 'sync') === (group.changes.length === 0),
    'a sync carries no changes, an update or answer at least one',
  );

/**
 * "Send this member our sender key for the group": the vault builds the
 * `sender-key` content itself (the distribution message is key material the
 * engine never sees), and only while `distributionId` is still our current
 * one for the group (STALE_SENDER_KEY otherwise: an item queued before a
 * rotation must not hand the new key to a member who left).
 */
const senderKeyRequestSchema = z.strictObject({
  type: z.literal('sender-key'),
  groupId: z.uuid(),
  distributionId: z.uuid(),
});

/**
 * A text as the engine sends and receives it: version 1's fields, and a
 * reply's quote, the message's timer and a group text's mentions (the codec
 * writes `v: 2` when one is there; docs/protocol.md §6, Conversation features).
 */
const engineTextSchema = textWireSchema.omit({ v: true }).extend({
  quote: quoteSchema.optional(),
  expireTimer: textV2WireSchema.shape.expireTimer,
  mentions: textV2WireSchema.shape.mentions,
});

/**
 * What the engine may ask the vault to send: the content types that carry no
 * key material (the `v` field is the vault's to add), group control, and the
 * request for a `sender-key` content, which the vault fills in.
 */
export const outgoingContentSchema = z.discriminatedUnion('type', [
  engineTextSchema,
  receiptWireSchema.omit({ v: true }),
  typingWireSchema.omit({ v: true }),
  sessionResetWireSchema.omit({ v: true }),
  // The contact access key as on the wire (base64): a capability the engine holds, not a Signal key.
  profileWireSchema.omit({ v: true }),
  outgoingGroupSchema,
  senderKeyRequestSchema,
  // Conversation actions (docs/protocol.md §6, Conversation features): plain JSON, no key material.
  reactionWireSchema.omit({ v: true }),
  editWireSchema.omit({ v: true }),
  deleteWireSchema.omit({ v: true }),
  expireTimerWireSchema.omit({ v: true }),
  // Sender-key repair: asks a member for its sender key again (no key material either way).
  senderKeyRequestWireSchema.omit({ v: true }),
]);
export type OutgoingContent = z.infer<typeof outgoingContentSchema>;

/** Content a group message (sender keys, encryptGroup) may carry: a text or typing naming the group. */
export const groupMessageContentSchema = z.discriminatedUnion('type', [
  engineTextSchema.required({ groupId: true }),
  typingWireSchema.omit({ v: true }).required({ groupId: true }),
]);
export type GroupMessageContent = z.infer<typeof groupMessageContentSchema>;

/** Why the vault refused one signed change of a received `group` content. */
export interface RefusedGroupChange {
  /** Its place in the content's `changes` as sent. */
  readonly index: number;
  /** INVALID_GROUP_CHANGE, GROUP_LIMIT, ACCOUNT_ID_MISMATCH, INVALID_SIGNATURE. */
  readonly code: string;
  readonly message: string;
}

/**
 * Received group control. The vault checked every change (docs/protocol.md
 * §10, Signed changes: schema, author key, signature, and that it is a change
 * of this content's group) in the decrypt path: `changes` holds only those
 * that passed, as received (base64); `refused` says what was dropped.
 */
export type IncomingGroupContent = Omit<GroupWire, 'v'> & { readonly refused: readonly RefusedGroupChange[] };

/** Decrypted content as the engine sees it (JSON-safe; key material stays in the vault). */
export type IncomingContent =
  | Exclude<OutgoingContent, { type: 'group' | 'sender-key' }>
  | IncomingGroupContent
  /**
   * A member's sender key for a group, already processed into the vault's
   * store: from now on its group messages under `distributionId` decrypt.
   */
  | { readonly type: 'sender-key'; readonly groupId: string; readonly distributionId: string }
  /** Well-formed content from a newer version: the UI says it needs an update. */
  | {
      readonly type: 'unsupported';
      readonly version: number;
      readonly contentType: string;
      readonly messageId?: string;
      readonly sentAt?: number;
    };

/** A decrypted message: who sent it and what it says. */
export interface DecryptedEnvelope {
  readonly envelopeId: string;
  readonly sender: DeviceAddress;
  readonly sealed: boolean;
  /**
   * Sealed only: the canonical URL of the relay whose pinned trust root
   * validated the sender certificate (the sender's home relay).
   */
  readonly senderRelay?: string;
  /**
   * Set when the envelope was a group message (a sender-key message sealed
   * for several recipients): the group the sealed layer named, which the
   * vault checked equals the content's `groupId`.
   */
  readonly groupId?: string;
  /** null for content that carries nothing for the engine (none today; kept for older cached outcomes). */
  readonly content: IncomingContent | null;
}

/** Per-envelope outcome of a batch decrypt, in request order. */
export type DecryptOutcome =
  | { readonly ok: true; readonly value: DecryptedEnvelope }
  | {
      readonly ok: false;
      readonly envelopeId: string;
      readonly error: ApiError;
      /**
       * Who sent it, when the vault learned that before failing: an unsealed
       * envelope's source, or a sealed one's sender certificate (outer layer
       * opened, certificate valid) when the inner message did not decrypt.
       * Lets the engine ask that contact for a fresh session.
       */
      readonly sender?: DeviceAddress;
      /**
       * FORGED_IDENTITY only: the account whose id the envelope presented a
       * key for that the id does not commit to (the account the relay tried
       * to impersonate). Nothing of the envelope was accepted.
       */
      readonly impersonated?: AccountId;
      /**
       * UNKNOWN_SENDER_RELAY only: the relay (canonical URL) the sender's
       * profile names, whose trust root is not pinned. Pin it (pinTrustRoot,
       * with the root fetched from that URL) and decrypt the envelope again.
       */
      readonly unknownRelay?: string;
      /**
       * A group (sender-key) message that did not decrypt: the group and the
       * sender's chain it named. With NO_SENDER_KEY the engine asks `sender`
       * for its sender key (sender-key repair).
       */
      readonly group?: { readonly groupId: string; readonly distributionId: string };
    };

export interface SafetyNumber {
  /** 60 digits; the UI shows them in 12 groups of 5. */
  readonly digits: string;
  /** libsignal's scannable fingerprint, base64, for the QR code. */
  readonly scannable: string;
}

export interface ContactIdentity {
  readonly accountId: AccountId;
  readonly trust: IdentityTrust;
  /** When the key was recorded or its trust last changed. */
  readonly updatedAt: number;
}

const passphraseSchema = z.string().min(1).max(1024);
/** History records per backupExportWrite / backupRestoreRead call. */
export const MAX_BACKUP_RECORDS_PER_CALL = 500;
/** Estimated JSON characters of history per backupExportWrite / backupRestoreRead call (backupRecordWeight): far below any frame limit. */
export const MAX_BACKUP_BATCH_WEIGHT = 4 * 1024 * 1024;
/** Bytes of a backup file per backupUpload call (before base64). */
export const MAX_BACKUP_UPLOAD_BYTES = 1024 * 1024;
const backupFileNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\.parleybackup$/);
const relayUrlSchema = z.url({ protocol: /^https?$/ }).max(2048);
/** Largest POST body relayRequest carries: a send to 16 devices of 80 KiB each, with room. */
export const MAX_RELAY_REQUEST_BODY_CHARS = 4 * 1024 * 1024;
/** Envelope ids one decrypt call may release (several committed batches' worth). */
export const MAX_RELEASED_PER_DECRYPT = 10 * MAX_ENVELOPES_PER_BATCH;
const challengeSchema = base64Bytes(32, 32);
/** What eraseIdentity must be given: the call cannot happen by a slip (a wrong method name, an empty object). */
export const ERASE_IDENTITY_CONFIRMATION = 'erase this identity and its history';

/** Argument schemas, one per method: the vault side validates every call against these. */
export const vaultArgSchemas = {
  getStatus: z.strictObject({}),
  /** `passphrase` is required when keyProtection is 'passphrase', refused otherwise. */
  createIdentity: z.strictObject({ passphrase: passphraseSchema.optional() }),
  unlock: z.strictObject({ passphrase: passphraseSchema.optional() }),
  lock: z.strictObject({}),
  getDataKey: z.strictObject({}),
  buildRegistration: z.strictObject({ relayUrl: relayUrlSchema, challenge: challengeSchema }),
  signChallenge: z.strictObject({ relayUrl: relayUrlSchema, challenge: challengeSchema }),
  buildPreKeyRefill: z.strictObject({
    preKeys: z.number().int().min(0).max(200),
    kyberPreKeys: z.number().int().min(0).max(200),
  }),
  rotateSignedPreKeys: z.strictObject({ force: z.boolean().default(false) }),
  setSenderCertificate: z.strictObject({
    relayUrl: relayUrlSchema,
    certificate: base64Bytes(1, 4096),
    trustRoot: base64Bytes(33, 33),
    /**
     * The relay's clock when it issued the certificate (its answer's
     * `serverTime`): the vault judges the certificate by the relay's time,
     * not its own. Absent: the vault's clock.
     */
    serverTime: timestampSchema.optional(),
  }),
  /**
   * Pins a relay's trust root (fetched over that relay's URL) on first sight;
   * the same root again is fine, another one is TRUST_ROOT_CHANGED.
   */
  pinTrustRoot: z.strictObject({ relayUrl: relayUrlSchema, trustRoot: base64Bytes(33, 33) }),
  /**
   * A request to a relay other than the home relay, made by the vault's
   * process for the page (vault/relay-proxy.ts: the page's CSP reaches only
   * its home relay). Only the requests a client makes of another relay pass:
   * GET trust root, GET bundles, POST a sealed send, POST a multi-recipient
   * upload, GET health; never with
   * a token.
   */
  relayRequest: z.strictObject({
    relayUrl: relayUrlSchema,
    method: z.enum(['GET', 'POST']),
    path: z.string().min(1).max(256),
    accessKey: accessKeySchema.optional(),
    /** JSON text of a POST body. */
    body: z.string().min(1).max(MAX_RELAY_REQUEST_BODY_CHARS).optional(),
  }),
  startSessions: z.strictObject({ bundles: preKeyBundlesResponseSchema }),
  getSessionDevices: z.strictObject({ accountId: accountIdSchema }),
  encrypt: z.strictObject({
    recipient: accountIdSchema,
    content: outgoingContentSchema,
    /** Seal the sender (needs a sender certificate for relayUrl). */
    sealed: z.boolean().default(true),
    relayUrl: relayUrlSchema,
  }),
  decrypt: z.strictObject({
    /**
     * The relay the batch was received from (our home relay). Sealed senders
     * are judged by every pinned trust root, not by this relay's alone (the
     * outcome's `senderRelay` says which validated), so the vault checks only
     * that it is a relay URL.
     */
    relayUrl: relayUrlSchema,
    envelopes: z.array(envelopeSchema).min(1).max(MAX_ENVELOPES_PER_BATCH),
    /**
     * Envelope ids the engine committed since its last call, released in the
     * same vault commit as this batch (releaseDecrypted folded in: one round
     * trip and one fsync per batch). Released after the batch is decrypted.
     */
    release: z.array(z.uuid()).max(MAX_RELEASED_PER_DECRYPT).optional(),
  }),
  releaseDecrypted: z.strictObject({ envelopeIds: z.array(z.uuid()).min(1).max(MAX_ENVELOPES_PER_BATCH) }),
  /** Our account id and identity public key: the author of the group changes we make (§10). */
  groupAuthor: z.strictObject({}),
  /**
   * Signs a group change body the engine prepared (crypto-core
   * prepareGroupChange): only a well-formed body whose authorKey is our
   * identity key (ACCOUNT_ID_MISMATCH otherwise), so the vault never vouches
   * for a change it did not make.
   */
  signGroupChange: z.strictObject({ body: base64Bytes(1, MAX_GROUP_CHANGE_BODY_BYTES) }),
  /**
   * Our sender-key chain for a group: the current distribution id, made
   * (with its chain) on first use, or replaced by a new one with `rotate`
   * (a member left or was removed). Kept in the vault's store.
   */
  groupDistribution: z.strictObject({ groupId: z.uuid(), rotate: z.boolean().default(false) }),
  /**
   * A group message: `content` encrypted once under our current chain for
   * the group, sealed with the home relay's sender certificate (`relayUrl`)
   * for every device of each relay's recipients, one SSv2 upload per relay.
   * A recipient's `devices` (default: every device we have a session with)
   * leaves out devices a relay called extra.
   */
  encryptGroup: z.strictObject({
    groupId: z.uuid(),
    content: groupMessageContentSchema,
    relayUrl: relayUrlSchema,
    relays: z
      .array(
        z.strictObject({
          relayUrl: relayUrlSchema,
          recipients: z
            .array(
              z.strictObject({
                accountId: accountIdSchema,
                devices: z.array(z.number().int().min(1).max(127)).min(1).max(16).optional(),
              }),
            )
            .min(1)
            .max(MAX_MULTI_RECIPIENTS),
        }),
      )
      .min(1)
      .max(MAX_MULTI_RECIPIENTS),
  }),
  getSafetyNumber: z.strictObject({ accountId: accountIdSchema }),
  compareSafetyNumber: z.strictObject({ accountId: accountIdSchema, scanned: base64Bytes(1, 1024) }),
  getContactIdentity: z.strictObject({ accountId: accountIdSchema }),
  setVerified: z.strictObject({ accountId: accountIdSchema, verified: z.boolean() }),
  // Backups (vault/backup/, docs/backup-format.md): the engine streams the
  // history in batches; the vault adds the identity, seals and writes.
  backupExportBegin: z.strictObject({
    passphrase: passphraseSchema,
    includeIdentity: z.boolean(),
    /** A file name in the vault's backup folder; default parley-<date>.parleybackup. */
    fileName: backupFileNameSchema.optional(),
  }),
  /** Opt-in readable copy (HTML + JSON, no keys) into a new folder in the backup folder; then Write/Finish/Abort as for an export. */
  backupReadableBegin: z.strictObject({ conversationId: z.string().min(1).max(2048).optional() }),
  backupExportWrite: z.strictObject({
    exportId: z.uuid(),
    records: z.array(historyRecordSchema).min(1).max(MAX_BACKUP_RECORDS_PER_CALL),
  }),
  backupExportFinish: z.strictObject({ exportId: z.uuid() }),
  backupExportAbort: z.strictObject({ exportId: z.uuid() }),
  /** Appends a slice of a backup file the page holds (a browser File) to an upload; no uploadId starts one. */
  backupUpload: z.strictObject({ uploadId: z.uuid().optional(), data: base64Bytes(1, MAX_BACKUP_UPLOAD_BYTES) }),
  /** Verifies the whole uploaded file (every chunk, TAG_FINAL, every record) before anything is imported. */
  backupRestoreOpen: z.strictObject({ uploadId: z.uuid(), passphrase: passphraseSchema }),
  /** Puts the backup's identity (or a new one) into this vault, which must have none; leaves it unlocked. */
  backupRestoreIdentity: z.strictObject({ restoreId: z.uuid(), vaultPassphrase: passphraseSchema.optional() }),
  backupRestoreRead: z.strictObject({ restoreId: z.uuid() }),
  /** 'failed' removes the identity this restore created, so nothing of it stays. */
  backupRestoreFinish: z.strictObject({ restoreId: z.uuid(), outcome: z.enum(['imported', 'failed']) }),
  /** A history the CLI restored into this profile and left for the engine (null when none). */
  backupRestoreStaged: z.strictObject({}),
  /**
   * Delete account: erases the (unlocked) identity and every file of it in
   * this profile — keys, sessions, the database — all or nothing across a
   * crash. Afterwards the vault has no identity.
   */
  eraseIdentity: z.strictObject({ confirm: z.literal(ERASE_IDENTITY_CONFIRMATION) }),
} as const;

export type VaultMethod = keyof typeof vaultArgSchemas;
export const VAULT_METHODS = Object.keys(vaultArgSchemas) as VaultMethod[];
export type VaultArgs<M extends VaultMethod> = z.input<(typeof vaultArgSchemas)[M]>;
export type ParsedVaultArgs<M extends VaultMethod> = z.output<(typeof vaultArgSchemas)[M]>;

/** What each method answers. */
export interface VaultResults {
  getStatus: VaultStatus;
  createIdentity: AccountInfo;
  unlock: AccountInfo;
  lock: null;
  /** 32-byte key (base64) for the engine's at-rest encryption of message bodies; stable for the profile. */
  getDataKey: { key: string };
  /**
   * A complete registration body with this install's id, fresh prekeys and
   * the proof of possession.
   */
  buildRegistration: RegisterRequest;
  /**
   * Signature (base64) over authSignedMessage('token', ...), and this
   * install's id, which a token request carries (docs/protocol.md §3.1).
   */
  signChallenge: { signature: string; installationId: string };
  /** Fresh one-time prekeys; their private halves are kept in the vault. */
  buildPreKeyRefill: PreKeyUpload;
  /** New signed and last-resort keys when due (or forced), else null. */
  rotateSignedPreKeys: PreKeyUpload | null;
  setSenderCertificate: null;
  /** The relay as pinned (canonical URL), and whether this call pinned it ('new') or found it pinned ('same'). */
  pinTrustRoot: { relayUrl: string; pinned: 'new' | 'same' };
  /** Sessions now exist with these devices of the account. */
  /** The relay's status and body (text), as it answered. */
  relayRequest: { status: number; body: string };
  startSessions: { accountId: AccountId; devices: number[] };
  getSessionDevices: { devices: number[] };
  /** One ciphertext per device with a session. */
  encrypt: { messages: OutgoingMessage[] };
  /**
   * One outcome per envelope, in order. The vault commits the ratchet state
   * and the plaintext of each decrypted envelope together; a redelivered
   * envelope id not yet released gets the same plaintext again (so a renderer
   * killed before its own commit loses nothing).
   */
  decrypt: { results: DecryptOutcome[] };
  /** The engine committed these envelopes: the vault forgets their plaintext. */
  releaseDecrypted: null;
  groupAuthor: { accountId: AccountId; identityKey: string };
  signGroupChange: { signature: string };
  /** `created`: this call made the id (first use or rotation), so every member needs the new sender key. */
  groupDistribution: { distributionId: string; created: boolean };
  /**
   * One upload per relay (the payload of POST /v1/messages/multi-recipient,
   * base64) with the devices it was sealed for. When some recipient has no
   * session (`noSession`), nothing was encrypted and `uploads` is empty:
   * start sessions with them and call again.
   */
  encryptGroup: {
    distributionId: string;
    uploads: { relayUrl: string; payload: string; devices: { accountId: AccountId; deviceIds: number[] }[] }[];
    noSession: AccountId[];
  };
  getSafetyNumber: SafetyNumber;
  compareSafetyNumber: { match: boolean };
  getContactIdentity: ContactIdentity | null;
  setVerified: null;
  backupExportBegin: { exportId: string; path: string };
  backupReadableBegin: { exportId: string; path: string };
  /** Running totals, for progress. */
  backupExportWrite: { records: number; bytes: number };
  /** The file exists, complete and synced, once this answers. */
  backupExportFinish: { path: string; bytes: number; counts: BackupCounts };
  backupExportAbort: null;
  backupUpload: { uploadId: string; bytes: number };
  /** `ignoredSettingKeys`: setting records of keys this build does not restore; dropped, not imported (backup-settings.ts). */
  backupRestoreOpen: { restoreId: string; summary: BackupSummary; ignoredSettingKeys: string[] };
  backupRestoreIdentity: AccountInfo;
  /** The next history records in stream order; `done` after the last. */
  backupRestoreRead: { records: HistoryRecord[]; done: boolean; read: number };
  backupRestoreFinish: null;
  backupRestoreStaged: { restoreId: string; summary: BackupSummary; ignoredSettingKeys: string[] } | null;
  eraseIdentity: null;
}

/** The vault as its implementation sees it: validated arguments in, plain values out. */
export type VaultApi = {
  [M in VaultMethod]: (args: ParsedVaultArgs<M>) => Promise<VaultResults[M]>;
};

/** Events the vault pushes to the renderer. */
export interface VaultEvents {
  /** The vault locked itself (or was locked); the engine must stop. */
  locked: Record<string, never>;
}
export type VaultEventName = keyof VaultEvents;

/** Every vault event, listed once; `satisfies` fails the build when VaultEvents gains an event not listed here. */
const VAULT_EVENTS = { locked: true } as const satisfies Record<VaultEventName, true>;
export const VAULT_EVENT_NAMES = Object.keys(VAULT_EVENTS) as [VaultEventName, ...VaultEventName[]];
