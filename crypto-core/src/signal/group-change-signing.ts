/**
 * Signing a group change (docs/protocol.md §10, Signed changes): what the
 * holder of an identity key (the desktop vault) does with the body bytes the
 * browser-safe group module prepared. Node only (libsignal).
 */
import { equalBytes, fromBase64 } from '../encoding.js';
import { CryptoErrorCode, invalidInput } from '../errors.js';
import { groupChangeSigningInput, parseGroupChangeBody, type SignedGroupChange } from '../group/signed-change.js';
import type { LocalIdentityRecord } from '../store/protocol-store.js';
import { identityKeyPairOf } from './identity.js';
import { signWithIdentity } from './signatures.js';

/**
 * Signs `body` with this identity. Only a well-formed change whose author
 * key is this identity's key is signed (ACCOUNT_ID_MISMATCH otherwise), so the
 * signer never vouches for a change it did not make.
 */
export function signGroupChange(identity: LocalIdentityRecord, body: Uint8Array): SignedGroupChange {
  const parsed = parseGroupChangeBody(body);
  const publicKey = identityKeyPairOf(identity).publicKey.serialize();
  if (!equalBytes(fromBase64(parsed.authorKey), publicKey)) {
    throw invalidInput(CryptoErrorCode.AccountIdMismatch, 'the group change names another author key', {
      id: parsed.id,
    });
  }
  const copy = Uint8Array.from(body);
  return { body: copy, signature: signWithIdentity(identity, groupChangeSigningInput(copy)) };
}
