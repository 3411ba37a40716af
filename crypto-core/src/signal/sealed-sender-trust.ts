/**
 * Sealed sender across relays (docs/protocol.md §5 Sealed sender): a
 * receiver holds one pinned trust root per relay and does not know in
 * advance which relay certified a sealed message's sender. So opening is
 * split in two steps that SealedSenderCipher.decrypt does in one:
 *
 * 1. `openSealedOuterLayer` opens the outer layer with our identity key
 *    (libsignal's sealedSenderDecryptToUsmc, which also checks that the
 *    sealing key is the certificate's key) and returns the sender
 *    certificate, unvalidated, and the inner Signal message.
 * 2. `findCertifyingRoot` says which of the pinned roots signed that
 *    certificate (valid at the caller's time), or that none did.
 *
 * The inner message is then an ordinary Signal message from the
 * certificate's sender (SessionCipher.decrypt), whose identity check is the
 * store's (store/identity-policy.ts), or a sender-key message from it
 * (GroupCipher.decrypt), as SealedSenderCipher.decrypt hands them back.
 */
import { PublicKey, SenderCertificate, sealedSenderDecryptToUsmc } from '@signalapp/libsignal-client';
import { accountIdMatches, isAccountId } from '../address/account-id.js';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode, invalidInput, ParleyCryptoError } from '../errors.js';
import { signalStoresFor } from '../store/adapters.js';
import type { ProtocolStore } from '../store/protocol-store.js';
import type { DeviceAddress } from './address.js';
import { ForgedIdentityError, toCryptoError } from './errors-map.js';
import { type SealedInnerMessage, sealedInnerMessage } from './sealed-inner.js';
import { readSenderCertificate, type SenderCertificateInfo } from './sealed-sender-certificates.js';

export interface SealedOuterLayer {
  /** The serialized sender certificate, not validated yet. */
  readonly certificate: Bytes;
  /**
   * Who the certificate names, unvalidated: only a hint (for logs, or to
   * decrypt tentatively) until a pinned root validates the certificate.
   */
  readonly claimedSender: DeviceAddress;
  /**
   * The inner message: a Signal message, to decrypt with the certified
   * sender's session, or a sender-key message with its group, to decrypt with
   * the sender's chain (GroupCipher).
   */
  readonly inner: SealedInnerMessage;
}

/** One pinned trust root and what the caller calls it (a canonical relay URL). */
export interface TrustRootCandidate<K> {
  readonly key: K;
  readonly trustRoot: Uint8Array;
}

export interface CertifyingRoot<K> {
  readonly key: K;
  readonly certificate: SenderCertificateInfo;
}

function messageError(message: string): ParleyCryptoError {
  return invalidInput(CryptoErrorCode.InvalidMessage, message);
}

/**
 * Opens the outer layer of a sealed message (v1, or one recipient's part of a
 * multi-recipient v2 message). Throws INVALID_MESSAGE when it does not open
 * (not for us, tampered), when the certificate names no Parley device, or
 * when the inner message is neither a Signal message (prekey or whisper) nor
 * a sender-key message naming its group; INVALID_CERTIFICATE when a v1
 * message was sealed with another key than the certificate's (someone else's
 * certificate). A v2 part authenticates that key and itself with one tag, so
 * there the two are one failure: INVALID_MESSAGE.
 */
export async function openSealedOuterLayer(store: ProtocolStore, ciphertext: Uint8Array): Promise<SealedOuterLayer> {
  if (!(ciphertext instanceof Uint8Array)) throw messageError('ciphertext must be bytes');
  let outer: Awaited<ReturnType<typeof sealedSenderDecryptToUsmc>>;
  try {
    outer = await sealedSenderDecryptToUsmc(bytes(ciphertext), signalStoresFor(store).identity);
  } catch (error) {
    throw toCryptoError(error, { fallback: CryptoErrorCode.InvalidMessage });
  }
  const certificate = outer.senderCertificate();
  const accountId = certificate.senderUuid();
  const deviceId = certificate.senderDeviceId();
  if (!isAccountId(accountId) || !Number.isInteger(deviceId) || deviceId < 1 || deviceId > 127) {
    throw messageError('the sender certificate does not name a Parley device');
  }
  return {
    certificate: certificate.serialize(),
    claimedSender: { accountId, deviceId },
    inner: sealedInnerMessage(outer),
  };
}

/**
 * The candidate whose trust root signed `certificate`, valid at `now`; null
 * when none did (an unknown relay, an expired or forged certificate). A
 * certificate signed under a candidate for a key its account id does not
 * commit to was made by that relay: ForgedIdentityError naming the account.
 */
export function findCertifyingRoot<K>(
  certificate: Uint8Array,
  candidates: readonly TrustRootCandidate<K>[],
  now: number,
): CertifyingRoot<K> | null {
  let parsed: SenderCertificate;
  try {
    parsed = SenderCertificate.deserialize(bytes(certificate));
  } catch (error) {
    throw new ParleyCryptoError(CryptoErrorCode.InvalidCertificate, 'not a sender certificate', error);
  }
  for (const candidate of candidates) {
    let signed: boolean;
    try {
      signed = parsed.validate(validRootKey(candidate.trustRoot), now);
    } catch {
      signed = false;
    }
    if (!signed) continue;
    const accountId = parsed.senderUuid();
    if (!accountIdMatches(accountId, parsed.key().serialize())) {
      throw new ForgedIdentityError(
        `the relay certified a key for ${accountId} that its account id does not commit to`,
        new Error('forged sender certificate'),
        accountId,
      );
    }
    // Validated just above under this root at this time: read it, do not verify its signatures again.
    return { key: candidate.key, certificate: readSenderCertificate(certificate) };
  }
  return null;
}

/** A candidate that is no public key validates nothing (caught by the caller). */
function validRootKey(trustRoot: Uint8Array): PublicKey {
  return PublicKey.deserialize(bytes(trustRoot));
}
