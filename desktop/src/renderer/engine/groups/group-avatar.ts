/**
 * A group photo as a set-avatar change carries it (docs/protocol.md §10):
 * a PNG, JPEG or WebP image of 1 to MAX_GROUP_AVATAR_BYTES bytes in
 * canonical base64. Checked before anything is signed or sent, so a picture
 * the group's members would refuse is refused here with INVALID_GROUP_AVATAR.
 */

import { PROFILE_AVATAR_TYPES } from '@parley/crypto-core/content';
import { fromBase64 } from '@parley/crypto-core/encoding';
import { type GroupAvatarWire, MAX_GROUP_AVATAR_BYTES } from '@parley/crypto-core/group';
import { EngineError, EngineErrorCode } from '../errors.js';

export interface GroupAvatar {
  readonly contentType: string;
  /** The image bytes, base64. */
  readonly data: string;
}

/** `avatar` as the wire carries it, or INVALID_GROUP_AVATAR; null (no photo) stays null. */
export function checkGroupAvatar(avatar: GroupAvatar | null): GroupAvatarWire | null {
  if (avatar === null) return null;
  const contentType = PROFILE_AVATAR_TYPES.find((type) => type === avatar.contentType);
  if (contentType === undefined) {
    throw new EngineError(EngineErrorCode.InvalidGroupAvatar, 'a group photo is a PNG, JPEG or WebP image');
  }
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(avatar.data);
  } catch (error) {
    throw new EngineError(EngineErrorCode.InvalidGroupAvatar, 'the group photo is not base64', error);
  }
  if (bytes.byteLength === 0 || bytes.byteLength > MAX_GROUP_AVATAR_BYTES) {
    throw new EngineError(
      EngineErrorCode.InvalidGroupAvatar,
      `a group photo has 1 to ${MAX_GROUP_AVATAR_BYTES} bytes (this one has ${bytes.byteLength})`,
    );
  }
  return { contentType, data: avatar.data };
}
