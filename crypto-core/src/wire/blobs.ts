/**
 * The relay's attachment blob store (docs/protocol.md §11.3): blob ids, and
 * the tus 1.0 headers its upload routes speak. Bodies of these routes are
 * raw bytes, not JSON; the JSON shapes here are what the routes answer.
 * Browser-safe.
 */
import { z } from 'zod';
import { timestampSchema } from './primitives.js';

/** Random bytes in a blob id. */
export const BLOB_ID_BYTES = 32;
/** A blob id: 32 random bytes as unpadded base64url (43 characters), chosen by the relay. */
export const BLOB_ID_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
export const blobIdSchema = z
  .string()
  .regex(BLOB_ID_PATTERN, 'must be 32 bytes as unpadded base64url')
  .meta({ description: '32 random bytes as unpadded base64url' });
export type BlobId = z.infer<typeof blobIdSchema>;

/** The tus protocol version the relay speaks (Tus-Resumable / Tus-Version). */
export const TUS_VERSION = '1.0.0';
/** The tus extensions the relay implements (Tus-Extension). */
export const TUS_EXTENSIONS = ['creation', 'termination', 'expiration'] as const;
/** The content type of a tus PATCH body. */
export const TUS_PATCH_CONTENT_TYPE = 'application/offset+octet-stream';

/**
 * OPTIONS /v1/attachments answers in headers (Tus-Version, Tus-Extension,
 * Tus-Max-Size); this JSON body repeats them for clients that read bodies.
 */
export const blobStoreInfoResponseSchema = z.strictObject({
  tusVersion: z.literal(TUS_VERSION),
  extensions: z.array(z.enum(TUS_EXTENSIONS)),
  /** Largest blob (bytes) an upload may declare: the ciphertext of the largest attachment the relay takes. */
  maxBlobBytes: z.number().int().min(1),
});
export type BlobStoreInfoResponse = z.infer<typeof blobStoreInfoResponseSchema>;

/** POST /v1/attachments (tus creation): 201, the upload's URL in Location, and this body. */
export const blobCreatedResponseSchema = z.strictObject({
  blobId: blobIdSchema,
  /** When the relay deletes the blob, finished or not (also the Upload-Expires header). */
  expiresAt: timestampSchema,
});
export type BlobCreatedResponse = z.infer<typeof blobCreatedResponseSchema>;
