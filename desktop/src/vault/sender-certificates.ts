/**
 * Sealed-sender material per relay: our sender certificate (for sending
 * sealed) and the relay's trust root (for opening sealed envelopes). Each
 * relay signs its own certificates under its own root, so both are kept per
 * canonical relay URL, and a certificate is accepted only when it validates
 * under the root given with it and names exactly this device and identity key.
 *
 * A certificate's expiry is the relay's time, so it is judged by the relay's
 * clock: the offset between the relay's clock and ours, learned when the
 * certificate was issued (the relay's `serverTime`), is kept with it, and
 * sealed sends judge the certificate at our clock plus that offset. A machine
 * whose clock is a day off still sends sealed.
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
import { toBase64 } from '@parley/crypto-core/encoding';
import { ApiErrorCode } from '../common/api-errors.js';
import { RecordKinds, type SenderCertificateRecord } from './record-kinds.js';
import type { TrustRoots } from './trust-roots.js';
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
  readonly #trustRoots: TrustRoots;

  constructor(context: UnlockedContext, trustRoots: TrustRoots) {
    this.#context = context;
    this.#trustRoots = trustRoots;
  }

  /**
   * `serverTime`: the relay's clock when it issued the certificate (absent:
   * ours). The trust root must be the one pinned for the relay, or is pinned
   * now (TRUST_ROOT_CHANGED otherwise, and nothing is stored).
   */
  async set(relayUrl: string, certificate: Bytes, trustRoot: Bytes, serverTime?: number): Promise<void> {
    const { identity, local, records, now } = this.#context;
    const localNow = now();
    const relayNow = serverTime ?? localNow;
    const info = validateSenderCertificate(certificate, trustRoot, relayNow);
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
      // The relay's root is pinned with its first certificate; a certificate under another root is refused.
      this.#trustRoots.stagePin(relayUrl, trustRoot);
      records.set(RecordKinds.senderCertificate, [canonicalRelayUrl(relayUrl)], {
        certificate,
        trustRoot,
        clockOffsetMs: relayNow - localNow,
      });
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

  /** The relay's time now, as far as we know it (our clock plus the offset learned with the certificate). */
  relayNow(record: SenderCertificateRecord): number {
    return this.#context.now() + record.clockOffsetMs;
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
