/**
 * The limit decisions both stores make, written once: what a send costs, on
 * which day, whether it fits the sender's quota and the recipients' queues,
 * and how a list of one-time prekeys reduces to one key per id. The stores
 * supply what is stored (inside their transaction) and apply the answer.
 */
import { type AccountId, base64DecodedLength } from '@parley/crypto-core/wire';
import type {
  AccountAdmission,
  NewEnvelope,
  NewSend,
  PreKeyLimits,
  RegistrationRules,
  SendLimits,
  SendRefusal,
} from './relay-store.js';
import { accountRefused, type PreKeyKind, preKeyIdConflict } from './relay-store-errors.js';
import { decodeCanonicalBase64 } from './store-input.js';

export const DAY_MS = 86_400_000;

/** No limit on one-time prekeys (calls without limits: tests and tools). */
export const UNLIMITED_PREKEYS: PreKeyLimits = {
  maxPreKeys: Number.POSITIVE_INFINITY,
  maxKyberPreKeys: Number.POSITIVE_INFINITY,
};

/** registerDevice's rules when none are given: any new account, any number of prekeys. */
export const OPEN_REGISTRATION: RegistrationRules = { admission: { policy: 'open' }, preKeyLimits: UNLIMITED_PREKEYS };

/** The UTC day number of a time (days since the epoch). */
export function utcDay(now: number): number {
  return Math.floor(now / DAY_MS);
}

/** Decoded ciphertext bytes of one envelope: what queue and quota limits count. */
export function envelopeBytes(envelope: Pick<NewEnvelope, 'content'>): number {
  return base64DecodedLength(envelope.content);
}

export function sendBytes(send: NewSend): number {
  let total = 0;
  for (const envelope of send.envelopes) total += envelopeBytes(envelope);
  return total;
}

export interface QueueUsage {
  readonly envelopes: number;
  readonly bytes: number;
}

export interface SendLedger {
  /** Bytes the account has been charged on `day` so far. */
  sentOn(accountId: AccountId, day: number): number;
  /** What is queued for one device now. */
  queued(recipient: AccountId, deviceId: number): QueueUsage;
}

/** Why `send` may not be committed under `limits`, or null when it may. */
export function refusalOf(send: NewSend, limits: SendLimits, ledger: SendLedger): SendRefusal | null {
  const day = utcDay(limits.now);
  if (send.sender !== null && ledger.sentOn(send.sender, day) + sendBytes(send) > limits.dailySendBytes) {
    return { reason: 'quota-exceeded', resetsAt: (day + 1) * DAY_MS };
  }
  // A send may in principle name a device twice: add up what it brings per queue.
  const added = new Map<string, { recipient: AccountId; deviceId: number; envelopes: number; bytes: number }>();
  for (const envelope of send.envelopes) {
    const key = `${envelope.recipient}/${envelope.deviceId}`;
    const entry = added.get(key) ?? {
      recipient: envelope.recipient,
      deviceId: envelope.deviceId,
      envelopes: 0,
      bytes: 0,
    };
    entry.envelopes += 1;
    entry.bytes += envelopeBytes(envelope);
    added.set(key, entry);
  }
  let refusal: { recipient: AccountId; fullDevices: number[] } | null = null;
  for (const entry of added.values()) {
    const queued = ledger.queued(entry.recipient, entry.deviceId);
    const fits =
      queued.envelopes + entry.envelopes <= limits.maxQueueEnvelopes &&
      queued.bytes + entry.bytes <= limits.maxQueueBytes;
    if (fits) continue;
    refusal ??= { recipient: entry.recipient, fullDevices: [] };
    if (refusal.recipient === entry.recipient) refusal.fullDevices.push(entry.deviceId);
  }
  if (refusal === null) return null;
  return { reason: 'queue-full', recipient: refusal.recipient, fullDevices: refusal.fullDevices.sort((a, b) => a - b) };
}

/**
 * One key per id, in the order given: an id repeated with the same public
 * key counts once, with another key it is PREKEY_ID_CONFLICT.
 */
export function distinctPreKeys<K extends { readonly keyId: number; readonly publicKey: string }>(
  keys: readonly K[],
  kind: PreKeyKind,
): K[] {
  const byId = new Map<number, K>();
  for (const key of keys) {
    const seen = byId.get(key.keyId);
    if (seen === undefined) byId.set(key.keyId, key);
    else if (seen.publicKey !== key.publicKey) throw preKeyIdConflict(kind, key.keyId);
  }
  return [...byId.values()];
}

/**
 * What a new account needs under `admission`: null (nothing, open), or the
 * invite code hash to consume in the registering transaction; throws the
 * refusal for a closed relay or a missing code. The store then throws
 * INVITE_INVALID when no unexpired invite has the hash.
 */
export function inviteToConsume(admission: AccountAdmission): Buffer | null {
  if (admission.policy === 'open') return null;
  if (admission.policy === 'closed') throw accountRefused('REGISTRATION_CLOSED');
  if (admission.inviteCodeHash === null) throw accountRefused('INVITE_REQUIRED');
  return decodeCanonicalBase64(admission.inviteCodeHash, 'invite code hash');
}
