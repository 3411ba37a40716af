/**
 * The record stream inside a backup container (docs/backup-format.md): the
 * plaintext the container encrypts is UTF-8 text, one JSON record per line
 * (JSON never contains a raw newline, so a line is a record). The writer
 * emits, in this order:
 *
 *   backup            exactly once, first: format name and version, creation time
 *   identity          at most once (absent when the user opted out)
 *   trusted-identity  contacts' identity keys and their trust (verified or not)
 *   relay, setting, contact, conversation, message, group, group-change
 *                     the history, any number (groups since records version 2)
 *   end               exactly once, last: counts and message date range
 *
 * `end` repeats what the stream holds, so a reader checks its own counts
 * against it (a writer bug or a record lost between engine and vault shows
 * up; the container already refuses a file cut short). Record versioning:
 * the `backup` record's `version` names this set of shapes; a reader refuses
 * a version it does not know (UNSUPPORTED_BACKUP) and every shape is strict.
 *
 * Browser-safe: zod and TextEncoder/TextDecoder only.
 */
import { z } from 'zod';
import { MAX_PROFILE_AVATAR_BYTES, PROFILE_AVATAR_TYPES } from '../content/schema.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { MAX_GROUP_CHANGE_BODY_BYTES } from '../group/limits.js';
import { accountIdSchema } from '../wire/primitives.js';

export const BACKUP_RECORDS_FORMAT = 'parley-backup';
/** The version this build writes: 2 added `group` and `group-change` records and `group-event` messages. */
export const BACKUP_RECORDS_VERSION = 2;
/** Every records version a reader accepts (a version 1 stream holds no group records). */
export const READABLE_BACKUP_RECORDS_VERSIONS: readonly number[] = [1, 2];
/** The longest line a reader accepts: bounds memory against a hostile file. */
export const MAX_BACKUP_RECORD_BYTES = 1024 * 1024;

const time = z.number().int().min(0);
const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/)
  .max(8192);
const shortText = z.string().max(2048);

export const backupStartSchema = z.strictObject({
  type: z.literal('backup'),
  format: z.literal(BACKUP_RECORDS_FORMAT),
  version: z.number().int().min(1),
  createdAt: time,
  includesIdentity: z.boolean(),
});

export const identityRecordSchema = z.strictObject({
  type: z.literal('identity'),
  accountId: accountIdSchema,
  deviceId: z.number().int().min(1).max(127),
  registrationId: z.number().int().min(1).max(0x3fff),
  /** libsignal IdentityKeyPair.serialize(), base64: the private key. */
  identityKeyPair: base64,
});

export const trustedIdentityRecordSchema = z.strictObject({
  type: z.literal('trusted-identity'),
  accountId: accountIdSchema,
  identityKey: base64,
  /** 'approved' only in backups from versions that could accept a changed key: restored as 'first-use'. */
  trust: z.enum(['first-use', 'approved', 'verified']),
  updatedAt: time,
});

export const relayRecordSchema = z.strictObject({
  type: z.literal('relay'),
  url: shortText,
  role: z.enum(['home', 'known']),
  trustRoot: base64.nullable(),
  registeredAt: time.nullable(),
  addedAt: time,
});

export const settingRecordSchema = z.strictObject({
  type: z.literal('setting'),
  key: z.string().min(1).max(128),
  value: z.json(),
});

export const contactRecordSchema = z.strictObject({
  type: z.literal('contact'),
  accountId: accountIdSchema,
  displayName: shortText.nullable(),
  relayUrl: shortText,
  verified: z.boolean(),
  /** Legacy: versions that offered to accept a forged key marked it here; written no more, ignored on import. */
  identityChangedAt: time.nullable().optional(),
  origin: z.enum(['contact-code', 'incoming']),
  addedAt: time,
  /** The access key that reaches the contact (docs/protocol.md §4.7), base64; absent in backups from before access keys. */
  accessKey: base64.nullable().optional(),
  /** When the contact last refused that key; absent in backups from before access keys. */
  accessDeniedAt: time.nullable().optional(),
  /** request (wrote first, not accepted) or accepted; absent in backups from before message requests: accepted. */
  status: z.enum(['request', 'accepted']).optional(),
  /** When the user blocked the contact; null or absent when not blocked. */
  blockedAt: time.nullable().optional(),
  /** The name from the contact's latest profile (docs/protocol.md §6). */
  profileName: shortText.nullable().optional(),
  /** The avatar from the contact's latest profile. */
  profileAvatar: z
    .strictObject({
      contentType: z.enum(PROFILE_AVATAR_TYPES),
      data: z
        .string()
        .regex(/^[A-Za-z0-9+/]*={0,2}$/)
        .max(Math.ceil(MAX_PROFILE_AVATAR_BYTES / 3) * 4),
    })
    .nullable()
    .optional(),
});

export const conversationRecordSchema = z.strictObject({
  type: z.literal('conversation'),
  id: shortText,
  kind: z.enum(['direct', 'group']),
  peerId: shortText,
  title: shortText.nullable(),
  lastActivityAt: time,
  lastSortKey: shortText,
  unreadCount: z.number().int().min(0),
  preview: z.string().max(65_536).nullable(),
  createdAt: time,
});

export const messageRecordSchema = z.strictObject({
  type: z.literal('message'),
  id: shortText,
  conversationId: shortText,
  /** 'forged-key': a notice that a relay sent a key the contact's id does not commit to; body: the relay's URL. */
  /** 'group-event' (version 2): a line of a group's timeline ("Alice joined"); body: the sentence. */
  kind: z.enum(['text', 'forged-key', 'identity-changed', 'unsupported', 'group-event']),
  direction: z.enum(['incoming', 'outgoing']),
  senderAccountId: accountIdSchema,
  sentAt: time,
  receivedAt: time.nullable(),
  sortKey: shortText,
  state: z.enum(['sending', 'sent', 'delivered', 'read', 'failed']),
  envelopeId: shortText.nullable(),
  serverTimestamp: time.nullable(),
  /** The text, in the clear (inside the encrypted container). */
  body: z
    .string()
    .max(MAX_BACKUP_RECORD_BYTES / 2)
    .nullable(),
});

/**
 * A group we hold changes of (version 2). Its state is not carried: a restore
 * folds the group's `group-change` records again (docs/protocol.md §10), so
 * the state cannot disagree with the signed changes.
 */
export const groupRecordSchema = z.strictObject({
  type: z.literal('group'),
  groupId: shortText,
  /** The member whose changes told us of the group; null for a group we created. */
  invitedBy: accountIdSchema.nullable(),
  updatedAt: time,
});

/** Largest change body (docs/protocol.md §10, Limits), in base64 characters. */
const MAX_GROUP_CHANGE_BODY_BASE64 = 4 * Math.ceil(MAX_GROUP_CHANGE_BODY_BYTES / 3);

/** One signed change of a group's set, as received (version 2). */
export const groupChangeRecordSchema = z.strictObject({
  type: z.literal('group-change'),
  groupId: shortText,
  changeId: shortText,
  /** The change's UTF-8 JSON, base64. */
  body: z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/)
    .max(MAX_GROUP_CHANGE_BODY_BASE64),
  /** The author's signature (64 bytes), base64. */
  signature: base64,
});

export const backupCountsSchema = z.strictObject({
  trustedIdentities: z.number().int().min(0),
  relays: z.number().int().min(0),
  settings: z.number().int().min(0),
  contacts: z.number().int().min(0),
  conversations: z.number().int().min(0),
  groups: z.number().int().min(0),
  messages: z.number().int().min(0),
  /** `group-change` records; left out when there are none (so version 1 summaries still match). */
  groupChanges: z.number().int().min(0).optional(),
});
export type BackupCounts = z.infer<typeof backupCountsSchema>;

export const backupEndSchema = z.strictObject({
  type: z.literal('end'),
  counts: backupCountsSchema,
  /** sentAt of the oldest and newest message; null without messages. */
  firstMessageAt: time.nullable(),
  lastMessageAt: time.nullable(),
});

/** What the engine exports and imports: the history, no key material. */
export const historyRecordSchema = z.discriminatedUnion('type', [
  relayRecordSchema,
  settingRecordSchema,
  contactRecordSchema,
  conversationRecordSchema,
  messageRecordSchema,
  groupRecordSchema,
  groupChangeRecordSchema,
]);

export const backupRecordSchema = z.discriminatedUnion('type', [
  backupStartSchema,
  identityRecordSchema,
  trustedIdentityRecordSchema,
  relayRecordSchema,
  settingRecordSchema,
  contactRecordSchema,
  conversationRecordSchema,
  messageRecordSchema,
  groupRecordSchema,
  groupChangeRecordSchema,
  backupEndSchema,
]);

export type BackupStartRecord = z.infer<typeof backupStartSchema>;
export type IdentityBackupRecord = z.infer<typeof identityRecordSchema>;
export type TrustedIdentityBackupRecord = z.infer<typeof trustedIdentityRecordSchema>;
export type HistoryRecord = z.infer<typeof historyRecordSchema>;
export type MessageBackupRecord = z.infer<typeof messageRecordSchema>;
export type BackupEndRecord = z.infer<typeof backupEndSchema>;
export type BackupRecord = z.infer<typeof backupRecordSchema>;

export function emptyBackupCounts(): BackupCounts {
  return { trustedIdentities: 0, relays: 0, settings: 0, contacts: 0, conversations: 0, groups: 0, messages: 0 };
}

/**
 * Tallies records as they pass (writer and reader alike), so the `end`
 * record can be written and checked from one definition.
 */
export class BackupTally {
  readonly counts: BackupCounts = emptyBackupCounts();
  firstMessageAt: number | null = null;
  lastMessageAt: number | null = null;

  add(record: BackupRecord): void {
    switch (record.type) {
      case 'trusted-identity':
        this.counts.trustedIdentities++;
        break;
      case 'relay':
        this.counts.relays++;
        break;
      case 'setting':
        this.counts.settings++;
        break;
      case 'contact':
        this.counts.contacts++;
        break;
      case 'conversation':
        this.counts.conversations++;
        if (record.kind === 'group') this.counts.groups++;
        break;
      case 'group-change':
        this.counts.groupChanges = (this.counts.groupChanges ?? 0) + 1;
        break;
      case 'message':
        this.counts.messages++;
        this.firstMessageAt = Math.min(this.firstMessageAt ?? record.sentAt, record.sentAt);
        this.lastMessageAt = Math.max(this.lastMessageAt ?? record.sentAt, record.sentAt);
        break;
      default:
        break;
    }
  }

  endRecord(): BackupEndRecord {
    return {
      type: 'end',
      counts: { ...this.counts },
      firstMessageAt: this.firstMessageAt,
      lastMessageAt: this.lastMessageAt,
    };
  }

  /** CORRUPT_BACKUP unless `end` states exactly what was tallied. */
  check(end: BackupEndRecord): void {
    const mine = this.endRecord();
    if (JSON.stringify(mine) !== JSON.stringify({ ...end, counts: pickCounts(end.counts) })) {
      throw invalidInput(CryptoErrorCode.CorruptBackup, 'backup records do not match their summary', {
        tallied: mine,
        stated: end,
      });
    }
  }
}

function pickCounts(counts: BackupCounts): BackupCounts {
  const ordered: BackupCounts = emptyBackupCounts();
  for (const key of Object.keys(ordered) as (keyof BackupCounts)[]) ordered[key] = counts[key] ?? 0;
  if (counts.groupChanges !== undefined) ordered.groupChanges = counts.groupChanges;
  return ordered;
}

/**
 * A cheap upper estimate of a record's JSON size in characters, so callers
 * can keep batches (one IPC or WebSocket frame each) well under frame limits
 * however long the texts are.
 */
export function backupRecordWeight(record: BackupRecord): number {
  const text =
    record.type === 'message'
      ? record.body
      : record.type === 'conversation'
        ? record.preview
        : record.type === 'group-change'
          ? record.body
          : null;
  return 512 + (text?.length ?? 0) * 6;
}

/** Splits records into batches of at most `maxRecords` records and about `maxWeight` (backupRecordWeight). */
export function* backupBatches<R extends BackupRecord>(
  records: readonly R[],
  maxRecords: number,
  maxWeight: number,
): Generator<R[]> {
  let batch: R[] = [];
  let weight = 0;
  for (const record of records) {
    const next = backupRecordWeight(record);
    if (batch.length > 0 && (batch.length >= maxRecords || weight + next > maxWeight)) {
      yield batch;
      batch = [];
      weight = 0;
    }
    batch.push(record);
    weight += next;
  }
  if (batch.length > 0) yield batch;
}

const encoder = new TextEncoder();

/** One record as its line of the stream (UTF-8, newline-terminated). */
export function encodeBackupRecord(record: BackupRecord): Uint8Array {
  return encoder.encode(`${JSON.stringify(record)}\n`);
}

function badRecord(message: string, detail?: unknown) {
  return invalidInput(CryptoErrorCode.CorruptBackup, message, detail);
}

/** Parses and checks one line; CORRUPT_BACKUP for anything that is not a known record. */
export function parseBackupRecord(line: string): BackupRecord {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw badRecord('a backup record is not JSON', error);
  }
  const parsed = backupRecordSchema.safeParse(json);
  if (!parsed.success) throw badRecord('a backup record has an unknown shape', parsed.error.issues.slice(0, 3));
  return parsed.data;
}

/**
 * Decrypted chunks in, checked records out, in stream order: `backup` first
 * (its version known), `identity` at most once and before the history, `end`
 * last and matching the tally. Memory: one line at a time, at most
 * MAX_BACKUP_RECORD_BYTES. As with the container, the stream is whole only
 * when iteration ends without an error.
 */
export async function* decodeBackupRecords(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<BackupRecord, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const tally = new BackupTally();
  let pending = '';
  let index = 0;
  let ended = false;
  let version = 0;
  const accept = (line: string): BackupRecord => {
    if (ended) throw badRecord('records follow the end record');
    const record = parseBackupRecord(line);
    if (index === 0) {
      if (record.type !== 'backup') throw badRecord('the first record is not the backup record');
      if (!READABLE_BACKUP_RECORDS_VERSIONS.includes(record.version)) {
        throw invalidInput(CryptoErrorCode.UnsupportedBackup, 'backup records version is not supported', {
          version: record.version,
        });
      }
      version = record.version;
    } else if (record.type === 'backup') {
      throw badRecord('a second backup record');
    } else if (version === 1 && (record.type === 'group' || record.type === 'group-change')) {
      throw badRecord('a version 1 backup holds no group records');
    } else if (record.type === 'identity' && index !== 1) {
      throw badRecord('the identity record is out of place');
    } else if (record.type === 'end') {
      tally.check(record);
      ended = true;
    }
    tally.add(record);
    index++;
    return record;
  };
  try {
    for await (const chunk of chunks) {
      pending += decoder.decode(chunk, { stream: true });
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const line = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        yield accept(line);
        newline = pending.indexOf('\n');
      }
      if (pending.length > MAX_BACKUP_RECORD_BYTES) throw badRecord('a backup record is too long');
    }
    pending += decoder.decode();
  } catch (error) {
    if (error instanceof TypeError) throw badRecord('backup records are not UTF-8', error);
    throw error;
  }
  if (pending.length > 0) throw badRecord('the record stream ends inside a record');
  if (!ended) throw badRecord('the record stream has no end record');
}

/** What a whole stream held, without any record's content (for `inspect`). */
export interface BackupSummary {
  readonly formatVersion: number;
  readonly recordsVersion: number;
  readonly createdAt: number;
  readonly includesIdentity: boolean;
  readonly counts: BackupCounts;
  readonly firstMessageAt: number | null;
  readonly lastMessageAt: number | null;
}
