/**
 * A picture the user picked, made fit for a profile (docs/protocol.md §6)
 * or a group photo (§10, the same 32 KiB by default: pass the limit):
 * drawn onto a canvas at most 256 pixels a side (cropped to a centred
 * square) and re-encoded as WebP, else JPEG, lowering quality and then size
 * until it fits `maxBytes`. Re-encoding also drops whatever else the file held
 * (metadata, animation). The engine checks the result again.
 */
import { MAX_PROFILE_AVATAR_BYTES } from '@parley/crypto-core/content';
import { toBase64 } from '@parley/crypto-core/encoding';
import type { ProfileAvatar } from '../../engine/index.js';

const SIDES = [256, 192, 128, 96] as const;
const QUALITIES = [0.85, 0.7, 0.55, 0.4] as const;
const TYPES = ['image/webp', 'image/jpeg'] as const;

export class AvatarImageError extends Error {
  override readonly name = 'AvatarImageError';
}

function encode(canvas: HTMLCanvasElement, type: string, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

/** The picture in `file` as an avatar of at most `maxBytes`, or AvatarImageError when it is no image the browser can read or fit. */
export async function avatarFromFile(file: Blob, maxBytes: number = MAX_PROFILE_AVATAR_BYTES): Promise<ProfileAvatar> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (error) {
    throw new AvatarImageError('this file is not a picture Parley can read', { cause: error });
  }
  try {
    const square = Math.min(bitmap.width, bitmap.height);
    const sx = (bitmap.width - square) / 2;
    const sy = (bitmap.height - square) / 2;
    for (const side of SIDES) {
      const canvas = document.createElement('canvas');
      canvas.width = Math.min(side, square);
      canvas.height = canvas.width;
      canvas.getContext('2d')?.drawImage(bitmap, sx, sy, square, square, 0, 0, canvas.width, canvas.height);
      for (const type of TYPES) {
        for (const quality of QUALITIES) {
          const blob = await encode(canvas, type, quality);
          // A browser that cannot write this type answers with PNG (or nothing): try the next type.
          if (blob === null || blob.type !== type) break;
          if (blob.size > 0 && blob.size <= maxBytes) {
            return { contentType: type, data: toBase64(new Uint8Array(await blob.arrayBuffer())) };
          }
        }
      }
    }
  } finally {
    bitmap.close();
  }
  throw new AvatarImageError('this picture could not be made small enough');
}
