/**
 * The attachment blob store (docs/protocol.md §11.3): tus 1.0 uploads to
 * one's home relay with the account's token, downloads by blob id without one.
 *
 *   OPTIONS /v1/attachments                     tus discovery
 *   POST    /v1/attachments          (Bearer)   tus creation: Upload-Length -> 201 Location
 *   HEAD    /v1/attachments/uploads/:blobId (Bearer)  Upload-Offset, Upload-Length
 *   PATCH   /v1/attachments/uploads/:blobId (Bearer)  bytes at Upload-Offset -> 204 Upload-Offset
 *   DELETE  /v1/attachments/uploads/:blobId (Bearer)  tus termination
 *   GET     /v1/attachments/:blobId               the finished blob; one Range
 *
 * An upload belongs to the account that created it: another account's token
 * gets 404, as for a blob that does not exist. Creation charges the declared
 * length to the account's daily send quota (QUOTA_EXCEEDED). Every blob
 * expires --envelope-ttl after it was finished (an unfinished one after it
 * was created). Logs hold the route pattern, never a blob id; the sizes of
 * finished blobs only.
 */
import { attachmentCiphertextLength } from '@parley/crypto-core/attachment';
import {
  type BlobCreatedResponse,
  type BlobStoreInfoResponse,
  routes,
  TUS_EXTENSIONS,
  TUS_PATCH_CONTENT_TYPE,
  TUS_VERSION,
} from '@parley/crypto-core/wire';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BlobState } from '../blobs/blob-folder.js';
import { byteRangeOf } from '../blobs/byte-range.js';
import type { RelayContext } from '../context.js';
import { RelayErrorCode, RelayServerError } from '../errors.js';
import { enforce } from '../limits/rate-limits.js';
import { DAY_MS, utcDay } from '../storage/store-limits.js';
import { authenticateRegistered } from './authenticate.js';

const UPLOAD_PATH = `${routes.attachmentUploads}/:blobId`;
const DOWNLOAD_PATH = `${routes.attachments}/:blobId`;
const DECIMAL = /^(0|[1-9]\d{0,15})$/;

interface BlobParams {
  readonly blobId: string;
}

/** The largest blob the relay takes: the ciphertext of the largest attachment (--max-attachment-bytes). */
export function maxBlobBytes(ctx: RelayContext): number {
  return attachmentCiphertextLength(ctx.config.maxAttachmentBytes);
}

function httpDate(time: number): string {
  return new Date(time).toUTCString();
}

/** A non-negative decimal header, or BAD_REQUEST naming it. */
function decimalHeader(request: FastifyRequest, name: string): number {
  const value = request.headers[name];
  if (typeof value !== 'string' || !DECIMAL.test(value)) {
    throw new RelayServerError(RelayErrorCode.BadRequest, `${name} must be a non-negative decimal integer`);
  }
  return Number(value);
}

/** Every tus request but OPTIONS names the protocol version; another version is 412 (tus 1.0 §Tus-Resumable). */
function requireTusVersion(request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('tus-resumable', TUS_VERSION);
  if (request.headers['tus-resumable'] !== TUS_VERSION) {
    void reply.header('tus-version', TUS_VERSION);
    throw new RelayServerError(RelayErrorCode.BadRequest, `Tus-Resumable must be ${TUS_VERSION}`, undefined, {
      httpStatus: 412,
    });
  }
}

function noSuchUpload(): RelayServerError {
  return new RelayServerError(RelayErrorCode.NotFound, 'no such upload');
}

/** The caller's own upload, or NOT_FOUND (also for another account's: existence is not revealed). */
async function ownUpload(request: FastifyRequest<{ Params: BlobParams }>, ctx: RelayContext): Promise<BlobState> {
  const { device } = await authenticateRegistered(request, ctx);
  const state = await ctx.blobs.state(request.params.blobId, Date.now());
  if (state === null || state.owner !== device.accountId) throw noSuchUpload();
  return state;
}

function uploadHeaders(reply: FastifyReply, state: Pick<BlobState, 'offset' | 'length' | 'expiresAt'>): void {
  void reply
    .header('upload-offset', String(state.offset))
    .header('upload-length', String(state.length))
    .header('upload-expires', httpDate(state.expiresAt))
    .header('cache-control', 'no-store');
}

export function registerAttachmentRoutes(app: FastifyInstance, ctx: RelayContext): void {
  // PATCH bodies are streamed to disk as they arrive, never buffered: the parser hands on the raw stream.
  app.addContentTypeParser(TUS_PATCH_CONTENT_TYPE, (_request, payload, done) => done(null, payload));

  app.options(routes.attachments, async (_request, reply): Promise<BlobStoreInfoResponse> => {
    const max = maxBlobBytes(ctx);
    void reply
      .header('tus-resumable', TUS_VERSION)
      .header('tus-version', TUS_VERSION)
      .header('tus-extension', TUS_EXTENSIONS.join(','))
      .header('tus-max-size', String(max));
    return { tusVersion: TUS_VERSION, extensions: [...TUS_EXTENSIONS], maxBlobBytes: max };
  });

  app.post(routes.attachments, async (request, reply): Promise<BlobCreatedResponse> => {
    requireTusVersion(request, reply);
    const { device } = await authenticateRegistered(request, ctx);
    if (request.headers['upload-defer-length'] !== undefined) {
      throw new RelayServerError(RelayErrorCode.BadRequest, 'Upload-Defer-Length is not supported: send Upload-Length');
    }
    const length = decimalHeader(request, 'upload-length');
    if (length < 1) throw new RelayServerError(RelayErrorCode.BadRequest, 'Upload-Length must be at least 1');
    if (length > maxBlobBytes(ctx)) {
      throw new RelayServerError(
        RelayErrorCode.PayloadTooLarge,
        `this relay takes blobs of at most ${maxBlobBytes(ctx)} bytes (Tus-Max-Size)`,
      );
    }
    const now = Date.now();
    const charged = await ctx.store.chargeStoredBytes(device.accountId, length, {
      dailySendBytes: ctx.config.dailySendBytes,
      now,
    });
    if (!charged) {
      const resetsAt = (utcDay(now) + 1) * DAY_MS;
      throw new RelayServerError(
        RelayErrorCode.QuotaExceeded,
        "the blob does not fit in the account's daily send quota",
        undefined,
        { retryAfter: Math.ceil((resetsAt - now) / 1000) },
      );
    }
    const expiresAt = now + ctx.config.envelopeTtlMs;
    const blobId = await ctx.blobs.create(device.accountId, length, now, expiresAt);
    void reply
      .status(201)
      .header('location', `${routes.attachmentUploads}/${blobId}`)
      .header('upload-expires', httpDate(expiresAt));
    return { blobId, expiresAt };
  });

  app.head<{ Params: BlobParams }>(UPLOAD_PATH, async (request, reply) => {
    requireTusVersion(request, reply);
    uploadHeaders(reply, await ownUpload(request, ctx));
    return reply.status(200).send();
  });

  app.patch<{ Params: BlobParams }>(UPLOAD_PATH, async (request, reply) => {
    requireTusVersion(request, reply);
    const offset = decimalHeader(request, 'upload-offset');
    const owned = await ownUpload(request, ctx);
    const body = request.body as AsyncIterable<Uint8Array> | undefined;
    if (body === undefined || request.headers['content-type'] !== TUS_PATCH_CONTENT_TYPE) {
      throw new RelayServerError(RelayErrorCode.BadRequest, `the body must be ${TUS_PATCH_CONTENT_TYPE}`, undefined, {
        httpStatus: 415,
      });
    }
    const { blobId } = request.params;
    const done = await ctx.blobs.exclusive(blobId, async () => {
      // Read again under the lock: an earlier PATCH may have moved the offset.
      const state = await ctx.blobs.state(blobId, Date.now());
      if (state === null || state.owner !== owned.owner) throw noSuchUpload();
      if (state.offset !== offset) {
        void reply.header('upload-offset', String(state.offset));
        throw new RelayServerError(
          RelayErrorCode.UploadOffsetMismatch,
          `Upload-Offset is ${offset}, the upload is at ${state.offset}`,
        );
      }
      const finishedExpiresAt = Date.now() + ctx.config.envelopeTtlMs;
      const newOffset = state.finished ? state.offset : await ctx.blobs.append(blobId, state, body, finishedExpiresAt);
      if (state.finished) {
        // Nothing to add to a finished blob; any byte sent is past its length.
        for await (const chunk of body) {
          if (chunk.byteLength > 0) {
            throw new RelayServerError(RelayErrorCode.PayloadTooLarge, 'the upload is already complete');
          }
        }
      }
      const finished = newOffset === state.length;
      if (finished && !state.finished) request.log.info({ bytes: state.length }, 'attachment blob stored');
      return { offset: newOffset, length: state.length, expiresAt: finished ? finishedExpiresAt : state.expiresAt };
    });
    uploadHeaders(reply, done);
    return reply.status(204).send();
  });

  app.delete<{ Params: BlobParams }>(UPLOAD_PATH, async (request, reply) => {
    requireTusVersion(request, reply);
    await ownUpload(request, ctx);
    const { blobId } = request.params;
    await ctx.blobs.exclusive(blobId, () => ctx.blobs.remove(blobId));
    return reply.status(204).send();
  });

  // No automatic HEAD: it would open the blob for a body it never sends.
  app.get<{ Params: BlobParams }>(DOWNLOAD_PATH, { exposeHeadRoute: false }, async (request, reply) => {
    await enforce(ctx.limits.accessAddress, request.ip, 'unauthenticated requests from this address');
    const blob = await ctx.blobs.openFinished(request.params.blobId, Date.now());
    if (blob === null) {
      throw new RelayServerError(RelayErrorCode.NotFound, 'no such blob (never uploaded, unfinished or expired)');
    }
    const range = byteRangeOf(request.headers.range, blob.length);
    void reply
      .header('accept-ranges', 'bytes')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .type('application/octet-stream');
    if (range.kind === 'unsatisfiable') {
      await blob.handle.close();
      void reply.header('content-range', `bytes */${blob.length}`);
      throw new RelayServerError(RelayErrorCode.RangeNotSatisfiable, 'the range starts past the blob');
    }
    const { start, end } = range.kind === 'part' ? range : { start: 0, end: blob.length - 1 };
    if (range.kind === 'part') void reply.status(206).header('content-range', `bytes ${start}-${end}/${blob.length}`);
    void reply.header('content-length', String(end - start + 1));
    return reply.send(blob.handle.createReadStream({ start, end, autoClose: true }));
  });
}
