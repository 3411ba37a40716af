/**
 * Every kind of record the vault keeps, with how its value is encoded inside
 * a sealed row. A record is addressed by its kind and a few key parts (an
 * account id, a device id, a prekey id...), which together form its logical
 * key (sealed-rows.ts hashes it into the row id).
 *
 * Decoders check shapes even though every row is authenticated: a value that
 * fails here is a bug or a format change, and must fail loudly at unlock, not
 * somewhere inside libsignal later.
 */
import type { Bytes, KyberPreKeyEntry, RemoteIdentityRecord } from '@parley/crypto-core';
import { fromBase64, toBase64 } from '@parley/crypto-core/encoding';
import { z } from 'zod';
import type { DecryptOutcome } from '../common/vault-api.js';

export interface RecordKind<V> {
  /** Stable name, the first part of the logical key. */
  readonly name: string;
  encode(value: V): Uint8Array;
  decode(payload: Uint8Array): V;
}

/** This device's identity. The account id is always derived from the key. */
export interface LocalAccountRecord {
  readonly identityKeyPair: Bytes;
  readonly registrationId: number;
  readonly deviceId: number;
}

/** A signed prekey and the last-resort Kyber prekey published with it. */
export interface PublishedKeyPair {
  readonly signedPreKeyId: number;
  readonly lastResortKyberPreKeyId: number;
}

/** Prekey id counters and the rotation schedule. */
export interface PreKeyState {
  readonly nextPreKeyId: number;
  readonly nextKyberPreKeyId: number;
  readonly nextSignedPreKeyId: number;
  /** What relays hand out now; null before the first registration. */
  readonly current: (PublishedKeyPair & { readonly createdAt: number }) | null;
  /** Replaced pairs, kept for peers that fetched them shortly before (grace period). */
  readonly retired: readonly (PublishedKeyPair & { readonly retiredAt: number })[];
}

/** A relay's sealed-sender material: our certificate and the relay's trust root. */
export interface SenderCertificateRecord {
  readonly certificate: Bytes;
  readonly trustRoot: Bytes;
  /**
   * The relay's clock minus ours when the certificate was issued (ms): sealed
   * sends judge the certificate at our clock plus this, the relay's time.
   */
  readonly clockOffsetMs: number;
}

/** A relay's trust root as first seen, pinned: a different one for that relay is refused (trust-roots.ts). */
export interface TrustRootPinRecord {
  readonly trustRoot: Bytes;
  readonly pinnedAt: number;
}

/** Our sender-key chain for one group: its distribution id and when it was made. */
export interface GroupDistributionRecord {
  readonly distributionId: string;
  readonly createdAt: number;
}

/** The outcome of one decrypted envelope, kept until the engine releases it. */
export interface CachedDecryption {
  readonly envelopeId: string;
  /** SHA-256 of the envelope content, so a reused envelope id with other content is noticed. */
  readonly contentDigest: string;
  readonly outcome: DecryptOutcome;
}

/**
 * The cached outcomes of one decrypt call, in one row: written in the same
 * commit as the batch's ratchet steps, and usually released as a whole, so a
 * batch of 100 costs one sealed row instead of 100.
 */
export interface CachedBatch {
  readonly cachedAt: number;
  readonly entries: readonly CachedDecryption[];
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

const bytesField = z.string().transform((text) => fromBase64(text));
const idField = z.number().int().min(1).max(0xffffff);
const timeField = z.number().int().min(0);

function bytesKind(name: string): RecordKind<Bytes> {
  return {
    name,
    encode: (value) => value,
    decode: (payload) => payload.slice(),
  };
}

function jsonKind<V, Json>(name: string, toJson: (value: V) => Json, schema: z.ZodType<V, Json>): RecordKind<V> {
  return {
    name,
    encode: (value) => textEncoder.encode(JSON.stringify(toJson(value))),
    decode: (payload) => schema.parse(JSON.parse(textDecoder.decode(payload))),
  };
}

const publishedPairShape = { signedPreKeyId: idField, lastResortKyberPreKeyId: idField };

const remoteIdentitySchema = z
  .strictObject({
    identityKey: bytesField,
    trust: z.enum(['first-use', 'approved', 'verified']),
    updatedAt: timeField,
    previousIdentityKey: bytesField.nullable().optional(),
  })
  .transform(
    (value): RemoteIdentityRecord => ({
      identityKey: value.identityKey,
      trust: value.trust === 'verified' ? 'verified' : 'first-use',
      updatedAt: value.updatedAt,
    }),
  );

export const RecordKinds = {
  localAccount: jsonKind(
    'local-account',
    (value: LocalAccountRecord) => ({
      identityKeyPair: toBase64(value.identityKeyPair),
      registrationId: value.registrationId,
      deviceId: value.deviceId,
    }),
    z.strictObject({
      identityKeyPair: bytesField,
      registrationId: z.number().int().min(1).max(0x3fff),
      deviceId: z.number().int().min(1).max(127),
    }),
  ),
  /** The engine's key for message bodies in IndexedDB. */
  dataKey: bytesKind('data-key'),
  /**
   * This install's id (docs/protocol.md §3.1): 16 random bytes, new when an
   * identity is created or restored, never in a backup; relays know which
   * install holds a device by it.
   */
  installationId: bytesKind('installation-id'),
  preKeyState: jsonKind(
    'prekey-state',
    (value: PreKeyState) => value,
    z.strictObject({
      nextPreKeyId: idField,
      nextKyberPreKeyId: idField,
      nextSignedPreKeyId: idField,
      current: z.strictObject({ ...publishedPairShape, createdAt: timeField }).nullable(),
      retired: z.array(z.strictObject({ ...publishedPairShape, retiredAt: timeField })),
    }),
  ),
  /**
   * Key parts: account id. Vaults before forged keys were refused outright
   * also wrote trust 'approved' (a changed key the user accepted) and the key
   * it replaced: read as 'first-use' without it; the key itself is checked
   * against its account id at unlock (legacy-identities.ts).
   */
  remoteIdentity: jsonKind(
    'remote-identity',
    (value: RemoteIdentityRecord): z.input<typeof remoteIdentitySchema> => ({
      identityKey: toBase64(value.identityKey),
      trust: value.trust,
      updatedAt: value.updatedAt,
    }),
    remoteIdentitySchema,
  ),
  /**
   * Legacy, key parts: account id. A refused key kept for approval by vaults
   * before forged keys were refused outright; never written now, and removed
   * at unlock (legacy-identities.ts).
   */
  legacyRefusedIdentity: jsonKind(
    'refused-identity',
    (value: true) => value,
    z.unknown().transform((): true => true),
  ),
  /** Key parts: account id, device id. */
  session: bytesKind('session'),
  /** Key parts: prekey id. */
  preKey: bytesKind('prekey'),
  /** Key parts: signed prekey id. */
  signedPreKey: bytesKind('signed-prekey'),
  /** Key parts: Kyber prekey id. Payload: 1 byte last-resort flag, then the record. */
  kyberPreKey: {
    name: 'kyber-prekey',
    encode: (value: KyberPreKeyEntry) => {
      const payload = new Uint8Array(1 + value.record.byteLength);
      payload[0] = value.lastResort ? 1 : 0;
      payload.set(value.record, 1);
      return payload;
    },
    decode: (payload: Uint8Array): KyberPreKeyEntry => {
      const flag = payload[0];
      if (flag !== 0 && flag !== 1) throw new Error('bad Kyber prekey flag');
      return { lastResort: flag === 1, record: payload.slice(1) };
    },
  } satisfies RecordKind<KyberPreKeyEntry>,
  /** Key parts: Kyber key id, signed prekey id, base key (base64). The key is the whole record. */
  lastResortUse: {
    name: 'last-resort-use',
    encode: () => new Uint8Array(0),
    decode: () => true as const,
  } satisfies RecordKind<true>,
  /** Key parts: account id, device id, distribution id. */
  senderKey: bytesKind('sender-key'),
  /** Key parts: group id. Our current sender-key chain for the group (group-keys.ts). */
  groupDistribution: jsonKind(
    'group-distribution',
    (value: GroupDistributionRecord) => value,
    z.strictObject({ distributionId: z.uuid(), createdAt: timeField }),
  ),
  /** Key parts: canonical relay URL. */
  senderCertificate: jsonKind(
    'sender-certificate',
    (value: SenderCertificateRecord) => ({
      certificate: toBase64(value.certificate),
      trustRoot: toBase64(value.trustRoot),
      clockOffsetMs: value.clockOffsetMs,
    }),
    z
      .strictObject({ certificate: bytesField, trustRoot: bytesField, clockOffsetMs: z.number().int().optional() })
      .transform((value): SenderCertificateRecord => ({ ...value, clockOffsetMs: value.clockOffsetMs ?? 0 })),
  ),
  /** Key parts: canonical relay URL. */
  trustRootPin: jsonKind(
    'trust-root-pin',
    (value: TrustRootPinRecord) => ({ trustRoot: toBase64(value.trustRoot), pinnedAt: value.pinnedAt }),
    z.strictObject({ trustRoot: bytesField, pinnedAt: timeField }),
  ),
  /** Key parts: batch id (random). */
  decryptedBatch: jsonKind(
    'decrypted-batch',
    (value: CachedBatch) => value,
    z.strictObject({
      cachedAt: timeField,
      entries: z.array(
        z.strictObject({
          envelopeId: z.string(),
          contentDigest: z.string(),
          // Written by this vault and authenticated; its full shape is the API's DecryptOutcome.
          outcome: z.custom<DecryptOutcome>((value) => typeof value === 'object' && value !== null && 'ok' in value),
        }),
      ),
    }),
  ),
} as const;

export const RECORD_KINDS_BY_NAME: ReadonlyMap<string, RecordKind<unknown>> = new Map(
  Object.values(RecordKinds).map((kind) => [kind.name, kind as RecordKind<unknown>]),
);
