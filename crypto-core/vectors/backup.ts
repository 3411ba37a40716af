/**
 * The backup container and its record stream (docs/protocol.md §7,
 * docs/backup-format.md). The stream header is random, so a file already in
 * the committed vectors is kept while it still decrypts to the same records
 * with the same passphrase and parameters: regenerating then changes nothing.
 */

import { argon2id } from '../src/at-rest/passphrase-key.js';
import { deriveBackupKey } from '../src/backup/backup-key.js';
import { decryptBackup } from '../src/backup/decrypt.js';
import { encryptBackup } from '../src/backup/encrypt.js';
import { readBackupHeader } from '../src/backup/header.js';
import { normalizeBackupPassphrase } from '../src/backup/passphrase.js';
import { decodeBackupRecords, encodeBackupRecord, parseBackupRecord } from '../src/backup/records.js';
import { concatBytes, fromBase64, fromUtf8, toBase64, toHex } from '../src/encoding.js';
import { CryptoErrorCode, ParleyCryptoError } from '../src/errors.js';
import { ALICE, BOB } from './identities.js';
import type { BackupMutation, BackupVectors } from './types.js';

const PASSPHRASE_TYPED = '12345 67890 13579\n24680-11223 34455';
const KDF = { opsLimit: 2, memLimit: 64 * 1024 * 1024 };
const CHUNK_SIZE = 256;
const AT = 1732780800000;

const RECORDS: readonly Record<string, unknown>[] = [
  { type: 'backup', format: 'parley-backup', version: 1, createdAt: AT + 9000, includesIdentity: true },
  {
    type: 'identity',
    accountId: ALICE.accountId,
    deviceId: 1,
    registrationId: 4242,
    identityKeyPair: ALICE.identityKeyPairBase64,
  },
  {
    type: 'trusted-identity',
    accountId: BOB.accountId,
    identityKey: toBase64(Buffer.from(BOB.publicKeyHex, 'hex')),
    trust: 'verified',
    updatedAt: AT,
  },
  { type: 'relay', url: 'https://relay.example.org', role: 'home', trustRoot: null, registeredAt: AT, addedAt: AT },
  { type: 'setting', key: 'privacy', value: { readReceipts: true, typingIndicators: false } },
  {
    type: 'contact',
    accountId: BOB.accountId,
    displayName: 'Bob',
    relayUrl: 'https://relay.example.org',
    verified: true,
    origin: 'contact-code',
    addedAt: AT,
  },
  {
    type: 'conversation',
    id: `direct:${BOB.accountId}`,
    kind: 'direct',
    peerId: BOB.accountId,
    title: null,
    lastActivityAt: AT + 2000,
    lastSortKey: '0001732780802000-0002',
    unreadCount: 0,
    preview: 'Grüße 👋',
    createdAt: AT,
  },
  {
    type: 'message',
    id: '018f2c1e-7a3b-7c4d-8e5f-0123456789ab',
    conversationId: `direct:${BOB.accountId}`,
    kind: 'text',
    direction: 'outgoing',
    senderAccountId: ALICE.accountId,
    sentAt: AT + 1000,
    receivedAt: null,
    sortKey: '0001732780801000-0001',
    state: 'read',
    envelopeId: null,
    serverTimestamp: AT + 1100,
    body: 'Hi Bob',
  },
  {
    type: 'message',
    id: '018f2c1e-7a3b-7c4d-8e5f-0123456789ac',
    conversationId: `direct:${BOB.accountId}`,
    kind: 'text',
    direction: 'incoming',
    senderAccountId: BOB.accountId,
    sentAt: AT + 2000,
    receivedAt: AT + 2500,
    sortKey: '0001732780802000-0002',
    state: 'delivered',
    envelopeId: 'AAAAAAAAAAAAAAAAAAAAAA',
    serverTimestamp: AT + 2100,
    body: 'Grüße 👋\u2028with a line separator',
  },
  {
    type: 'end',
    counts: { trustedIdentities: 1, relays: 1, settings: 1, contacts: 1, conversations: 1, groups: 0, messages: 2 },
    firstMessageAt: AT + 1000,
    lastMessageAt: AT + 2000,
  },
];

async function drain<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  return concatBytes(...(await drain(source)));
}

/** The error code opening `file` with `passphrase` fails with, or null when it opens. */
async function openFailure(file: Uint8Array, passphrase: string): Promise<string | null> {
  try {
    await drain(decodeBackupRecords(decryptBackup([file], passphrase)));
    return null;
  } catch (error) {
    if (ParleyCryptoError.is(error)) return error.code;
    throw error;
  }
}

async function keptFile(previous: BackupVectors | undefined, plaintext: Uint8Array): Promise<Uint8Array | null> {
  const old = previous?.container;
  if (old === undefined || old.chunkSize !== CHUNK_SIZE) return null;
  const passphrase = normalizeBackupPassphrase(PASSPHRASE_TYPED);
  if (old.passphrase !== passphrase || old.opsLimit !== KDF.opsLimit || old.memLimit !== KDF.memLimit) return null;
  const file = fromBase64(old.fileBase64);
  try {
    const opened = await collect(decryptBackup([file], passphrase));
    return toHex(opened) === toHex(plaintext) ? file : null;
  } catch {
    return null;
  }
}

async function mutations(file: Uint8Array, passphrase: string): Promise<BackupMutation[]> {
  const specs: Omit<BackupMutation, 'error'>[] = [
    { name: 'a wrong passphrase', kind: 'passphrase', at: null, passphrase: `${passphrase}0` },
    { name: 'another 30-digit code', kind: 'passphrase', at: null, passphrase: '123456789012345678901234567890' },
    { name: 'cut inside the header', kind: 'truncate', at: 100, passphrase: null },
    { name: 'the header alone', kind: 'truncate', at: 126, passphrase: null },
    { name: 'cut inside the first frame', kind: 'truncate', at: 200, passphrase: null },
    { name: 'the final frame missing', kind: 'truncate', at: firstFramesEnd(file), passphrase: null },
    { name: 'the last byte missing', kind: 'truncate', at: file.byteLength - 1, passphrase: null },
    { name: 'a bit flipped in the Argon2id salt', kind: 'flip', at: 22, passphrase: null },
    { name: 'a bit flipped in the header checksum', kind: 'flip', at: 100, passphrase: null },
    { name: 'a bit flipped in a frame length', kind: 'flip', at: 129, passphrase: null },
    { name: 'a bit flipped in the first chunk', kind: 'flip', at: 140, passphrase: null },
    { name: 'a bit flipped in the last chunk', kind: 'flip', at: file.byteLength - 1, passphrase: null },
    { name: 'a byte after the final chunk', kind: 'append', at: 1, passphrase: null },
  ];
  const out: BackupMutation[] = [];
  for (const spec of specs) {
    const error = await openFailure(applyMutation(file, spec), spec.passphrase ?? passphrase);
    if (error === null) throw new Error(`backup mutation "${spec.name}" still opens`);
    out.push({ ...spec, error });
  }
  return out;
}

/** Where the last frame starts: every frame but the final one. */
function firstFramesEnd(file: Uint8Array): number {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let offset = 126;
  let last = offset;
  while (offset < file.byteLength) {
    last = offset;
    offset += 4 + view.getUint32(offset);
  }
  return last;
}

export function applyMutation(file: Uint8Array, mutation: Pick<BackupMutation, 'kind' | 'at'>): Uint8Array {
  const copy = Uint8Array.from(file);
  const at = mutation.at ?? 0;
  switch (mutation.kind) {
    case 'truncate':
      return copy.subarray(0, at);
    case 'flip':
      copy[at] = (copy[at] ?? 0) ^ 0x01;
      return copy;
    case 'append':
      return concatBytes(copy, new Uint8Array(at));
    case 'passphrase':
      return copy;
  }
}

export async function backupVectors(previous: BackupVectors | undefined): Promise<BackupVectors> {
  const passphrase = normalizeBackupPassphrase(PASSPHRASE_TYPED);
  const plaintext = concatBytes(
    ...RECORDS.map((record) => encodeBackupRecord(parseBackupRecord(JSON.stringify(record)))),
  );
  const file =
    (await keptFile(previous, plaintext)) ??
    (await collect(encryptBackup([plaintext], passphrase, { kdf: KDF, chunkSize: CHUNK_SIZE })));
  const header = await readBackupHeader(file);
  const key = await deriveBackupKey(passphrase, header);
  const root = await argon2id(passphrase, header.salt, header.kdf, CryptoErrorCode.InvalidEncoding);
  const decoded = await drain(decodeBackupRecords(decryptBackup([file], passphrase)));
  const records = concatBytes(...decoded.map(encodeBackupRecord));
  if (toHex(records) !== toHex(plaintext)) throw new Error('the backup does not decrypt to its records');
  return {
    description:
      "Backup container (Argon2id v1.3 -> crypto_kdf subkeys -> crypto_secretstream_xchacha20poly1305 in framed chunks) holding a small record stream, with the key schedule spelled out, plus damaged copies and wrong passphrases that must be refused. Passphrase normalisation is the vault's step before Argon2id.",
    backs: [
      'docs/protocol.md §7 Backup container',
      'docs/backup-format.md §1 The container (The passphrase)',
      'docs/backup-format.md §2 The record stream',
    ],
    passphraseNormalization: [
      PASSPHRASE_TYPED,
      '12345-67890-13579-24680-11223-34455',
      '123456789012345678901234567890',
      '  123456789012345678901234567890  ',
      '12345 67890 13579 24680 11223',
      'correct horse battery staple',
      ' Cafe\u0301 au lait ',
      '١٢٣٤٥ ٦٧٨٩٠ ١٢٣٤٥ ٦٧٨٩٠ ١٢٣٤٥ ٦٧٨٩٠',
    ].map((typed) => ({ typed, normalized: normalizeBackupPassphrase(typed) })),
    container: {
      passphraseTyped: PASSPHRASE_TYPED,
      passphrase,
      opsLimit: header.kdf.opsLimit,
      memLimit: header.kdf.memLimit,
      chunkSize: header.chunkSize,
      saltHex: toHex(header.salt),
      rootKeyHex: toHex(root),
      streamKeyHex: toHex(key.streamKey),
      keyCheckHex: toHex(key.keyCheck),
      streamHeaderHex: toHex(header.streamHeader),
      fileBase64: toBase64(file),
      plaintext: fromUtf8(plaintext),
      records: RECORDS,
    },
    mutations: await mutations(file, passphrase),
  };
}
