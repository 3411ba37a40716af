/**
 * Identity-key signatures outside the Signal protocol proper: proof of
 * possession for the relay (a signed challenge, docs/protocol.md
 * §Authentication) and the relay's own check of prekey signatures at upload.
 * XEdDSA through libsignal's PrivateKey.sign / PublicKey.verify.
 */
import { PublicKey } from '@signalapp/libsignal-client';
import { type Bytes, bytes } from '../encoding.js';
import { CryptoErrorCode } from '../errors.js';
import type { LocalIdentityRecord } from '../store/protocol-store.js';
import { mapSignalErrors } from './errors-map.js';
import { identityKeyPairOf } from './identity.js';

/** Signs `message` with this device's identity private key (64-byte XEdDSA signature). */
export function signWithIdentity(identity: LocalIdentityRecord, message: Uint8Array): Bytes {
  const keyPair = identityKeyPairOf(identity);
  return mapSignalErrors({ fallback: CryptoErrorCode.Internal }, () => keyPair.privateKey.sign(bytes(message)));
}

/**
 * True when `signature` is the signature of `identityKey` (33-byte serialized
 * public key) over `message`. False for anything malformed: callers at a trust
 * boundary only need to know whether to accept.
 */
export function verifyIdentitySignature(identityKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return PublicKey.deserialize(bytes(identityKey)).verify(bytes(message), bytes(signature));
  } catch {
    return false;
  }
}
