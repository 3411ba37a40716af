/**
 * One access key on the wire (docs/protocol.md §Reaching an account: access
 * keys), apart from the requests that carry it (access.ts) so that the
 * SendRequest schema can use it too. Browser-safe.
 */
import { z } from 'zod';
import { base64Bytes } from './primitives.js';

/** Bytes of one access key. */
export const ACCESS_KEY_BYTES = 16;

export const accessKeySchema = base64Bytes(ACCESS_KEY_BYTES, ACCESS_KEY_BYTES);

/** Which of an account's two access keys matched. */
export const accessKeyKindSchema = z.enum(['code', 'contact']);
export type AccessKeyKind = z.infer<typeof accessKeyKindSchema>;

/**
 * The HTTP header that carries an access key on a bundle fetch
 * (`GET /v1/keys/bundles/...`), instead of or beside a bearer token.
 */
export const ACCESS_KEY_HEADER = 'Parley-Access-Key';
