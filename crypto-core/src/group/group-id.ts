/**
 * Group ids (docs/protocol.md §10, Group id). A group's id commits to its
 * creator's identity key and to the id of its create change:
 *
 *   groupId = uuid8( SHA-256( "Parley group id v1" || 0x00 || creatorIdentityKey || UTF-8(createChangeId) )[0..16] )
 *
 * where uuid8 overwrites the version nibble with 8 and the variant bits with
 * 10 (RFC 9562 version 8) and writes the lowercase canonical form. The create
 * id is a random UUID v4, so the group id is as unguessable as a random one
 * (a secret among members), and nobody but the creator can sign a create that
 * a group id accepts: a member cannot show anyone a second history of the
 * same group. Browser-safe.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8, uuidFromBytes } from '../encoding.js';

const GROUP_ID_DOMAIN = concatBytes(utf8('Parley group id v1'), new Uint8Array([0]));

/** The group id a create change with id `createId`, signed by `creatorIdentityKey` (33 bytes), founds. */
export function groupIdFor(creatorIdentityKey: Uint8Array, createId: string): string {
  const digest = sha256(concatBytes(GROUP_ID_DOMAIN, creatorIdentityKey, utf8(createId))).slice(0, 16);
  digest[6] = ((digest[6] as number) & 0x0f) | 0x80;
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80;
  return uuidFromBytes(digest);
}
