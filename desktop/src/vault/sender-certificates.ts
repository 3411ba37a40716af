/**
 * Sealed-sender material per relay: our sender certificate (for sending
 * sealed) and the relay's trust root (for opening sealed envelopes). Each
 * relay signs its own certificates under its own root, so both are kept per
 * canonical relay URL, and a certificate is accepted only when it validates
 * under the root given with it and names exactly this device and identity key.
 */
import {
  type Bytes,
  CryptoErrorCode,
  equalBytes,
  normalizeRelayUrl,
  ParleyCryptoError,
  SealedSenderCipher,
  validateSenderCertificate,
} from '@parley/crypto-core';
import { ApiErrorCode } from '../common/api-errors.js';
import { toBase64 } from './base64.js';
import { RecordKinds, type SenderCertificateRecord } from './record-kinds.js';
import type { UnlockedContext } from './unlocked-context.js';
import { invalidArgumentError, protocolError } from './vault-errors.js';

/** The relay URL as the rest of Parley spells it (contact codes, auth signatures). */
export function canonicalRelayUrl(relayUrl: string): string {
  try {
    return normalizeRelayUrl(relayUrl);
  } catch (error) {
    if (ParleyCryptoError.is(error)) throw invalidArgumentError(`not a relay URL: ${error.message}`);
    throw error;
  }
}

export class SenderCertificates {
  readonly #context: UnlockedContext;
  /** One cipher per trust root: it caches the validated certificate between sends. */
  readonly #ciphers = new Map<string, SealedSenderCipher>();

  constructor(context: UnlockedContext) {
    this.#context = context;
  }

  async set(relayUrl: string, certificate: Bytes, trustRoot: Bytes): Promise<void> {
    const { identity, local, records, now } = this.#context;
    const info = validateSenderCertificate(certificate, trustRoot, now());
    const ours =
      info.sender.accountId === local.accountId &&
      info.sender.deviceId === local.deviceId &&
      equalBytes(info.identityKey, identity.identityKey);
    if (!ours) {
      throw new ParleyCryptoError(
        CryptoErrorCode.InvalidCertificate,
        'the sender certificate is not for this device and identity key',
        info,
      );
    }
    await records.transaction(async () => {
      records.set(RecordKinds.senderCertificate, [canonicalRelayUrl(relayUrl)], { certificate, trustRoot });
    });
  }

  /** The stored material for a relay; INVALID_CERTIFICATE (fetch one) when there is none. */
  require(relayUrl: string): SenderCertificateRecord {
    const record = this.#context.records.get(RecordKinds.senderCertificate, canonicalRelayUrl(relayUrl));
    if (record === undefined) {
      throw protocolError(
        ApiErrorCode.InvalidCertificate,
        'no sender certificate for this relay: fetch one and call setSenderCertificate',
      );
    }
    return record;
  }

  /** The sealed-sender cipher for a relay's trust root. */
  cipherFor(record: SenderCertificateRecord): SealedSenderCipher {
    const key = toBase64(record.trustRoot);
    let cipher = this.#ciphers.get(key);
    if (cipher === undefined) {
      cipher = new SealedSenderCipher(this.#context.store, this.#context.local, record.trustRoot);
      this.#ciphers.set(key, cipher);
    }
    return cipher;
  }
}
