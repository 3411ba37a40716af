/**
 * Service ids (docs/protocol.md §5, Identity and addresses): the UUID form of
 * an account id that libsignal's multi-recipient sealed sender (Sealed Sender
 * v2) needs, since it addresses recipients by ServiceId and a Parley account
 * id (32 base32 characters) is none.
 *
 *   serviceId = UUIDv8( SHA-256( "Parley service id v1" || accountIdBytes )[0..16] )
 *
 * where accountIdBytes are the 20 bytes the account id's base32 text
 * encodes, and UUIDv8 overwrites the version nibble with 8 and the variant
 * bits with 10 (RFC 9562 §5.8), written lowercase with hyphens. The relay
 * computes it from the account ids a multi-recipient send names and never
 * stores it; sessions and identities stay under account-id addresses.
 * Browser-safe (pure-JS SHA-256).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase32, toHex, utf8 } from '../encoding.js';
import { type AccountId, parseAccountId } from './account-id.js';

const SERVICE_ID_DOMAIN = utf8('Parley service id v1');

/** A lowercase UUID string (RFC 9562 version 8) naming one account to libsignal. */
export type ServiceId = string & { readonly __brand: 'ServiceId' };

/** The 16 UUID bytes as RFC 9562 text: 8-4-4-4-12 lowercase hex digits. */
export function uuidText(uuid: Uint8Array): string {
  const hex = toHex(uuid);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The service id of an account id; INVALID_ENCODING for anything that is not an account id. */
export function serviceIdFor(accountId: AccountId | string): ServiceId {
  const digest = sha256(concatBytes(SERVICE_ID_DOMAIN, fromBase32(parseAccountId(accountId))));
  const uuid = digest.subarray(0, 16);
  uuid[6] = ((uuid[6] as number) & 0x0f) | 0x80;
  uuid[8] = ((uuid[8] as number) & 0x3f) | 0x80;
  return uuidText(uuid) as ServiceId;
}
