/**
 * The attachment blob store (docs/protocol.md §11.3) on a running relay:
 * tus creation, resumable PATCHes across a dropped connection and a relay
 * killed mid-upload, ranged downloads, the size limit on creation and on
 * PATCH, the daily quota, authentication and ownership, the TTL sweep,
 * deletion with the account, and an attachment end to end through
 * crypto-core's encryption. Nothing about a blob but its size in the logs.
 */
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import {
  attachmentCiphertextLength,
  decryptAttachment,
  encryptAttachment,
  generateAttachmentKey,
} from '@parley/crypto-core/attachment';
import { routes, TUS_PATCH_CONTENT_TYPE } from '@parley/crypto-core/wire';
import { httpOf, RelayProcess, registerDevice, sleep } from '@parley/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TUS = { 'tus-resumable': '1.0.0' };
const MAX_ATTACHMENT = 1024 * 1024;
const QUOTA = 2 * 1024 * 1024;

function pattern(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 13 + seed + (i >> 10)) & 0xff;
  return out;
}

/** A registered account's tus client for one relay. */
class Uploader {
  constructor(
    readonly relay: RelayProcess,
    readonly token: string,
  ) {}

  static async on(relay: RelayProcess): Promise<Uploader> {
    const { token } = await registerDevice(httpOf(relay));
    return new Uploader(relay, token);
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, ...TUS, ...extra };
  }

  async create(length: number): Promise<Response> {
    return fetch(`${this.relay.url}${routes.attachments}`, {
      method: 'POST',
      headers: this.headers({ 'upload-length': String(length) }),
    });
  }

  /** Creates an upload and returns its URL (from Location) and blob id. */
  async start(length: number): Promise<{ url: string; blobId: string }> {
    const response = await this.create(length);
    expect(response.status).toBe(201);
    const { blobId } = (await response.json()) as { blobId: string };
    const location = response.headers.get('location');
    expect(location).toBe(`${routes.attachmentUploads}/${blobId}`);
    return { url: `${this.relay.url}${location}`, blobId };
  }

  async offset(url: string): Promise<number> {
    const response = await fetch(url, { method: 'HEAD', headers: this.headers() });
    expect(response.status).toBe(200);
    return Number(response.headers.get('upload-offset'));
  }

  async patch(url: string, offset: number, body: Uint8Array): Promise<Response> {
    return fetch(url, {
      method: 'PATCH',
      headers: this.headers({ 'upload-offset': String(offset), 'content-type': TUS_PATCH_CONTENT_TYPE }),
      body,
    });
  }

  /** Uploads `data` whole, in PATCHes of `chunk` bytes; returns the blob id. */
  async upload(data: Uint8Array, chunk = 256 * 1024): Promise<string> {
    const { url, blobId } = await this.start(data.byteLength);
    for (let offset = 0; offset < data.byteLength; offset += chunk) {
      const response = await this.patch(url, offset, data.subarray(offset, offset + chunk));
      expect(response.status).toBe(204);
      expect(Number(response.headers.get('upload-offset'))).toBe(Math.min(offset + chunk, data.byteLength));
    }
    return blobId;
  }

  /**
   * Starts a PATCH of `data` at `offset`, sends `sent` bytes of it and drops
   * the connection, as a client losing its network would.
   */
  async patchAndDrop(url: string, offset: number, data: Uint8Array, sent: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const request = httpRequest(url, {
        method: 'PATCH',
        headers: this.headers({
          'upload-offset': String(offset),
          'content-type': TUS_PATCH_CONTENT_TYPE,
          'content-length': String(data.byteLength),
        }),
      });
      request.on('error', () => resolve());
      request.on('close', () => resolve());
      request.write(data.subarray(0, sent), () => setTimeout(() => request.destroy(), 200));
    });
  }
}

function download(relay: RelayProcess, blobId: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${relay.url}${routes.attachments}/${blobId}`, { headers });
}

async function bytesOf(response: Response): Promise<Uint8Array> {
  return new Uint8Array(await response.arrayBuffer());
}

/** Waits until HEAD reports a stable offset (the relay has written what reached it). */
async function settledOffset(uploader: Uploader, url: string): Promise<number> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const offset = await uploader.offset(url);
    if (offset === last && offset > 0) return offset;
    last = offset;
    await sleep(100);
  }
  throw new Error('the offset did not settle');
}

let relay: RelayProcess;
let alice: Uploader;
let bob: Uploader;

beforeAll(async () => {
  relay = await RelayProcess.start({
    args: ['--max-attachment-bytes', String(MAX_ATTACHMENT), '--daily-send-quota', String(64 * 1024 * 1024)],
  });
  alice = await Uploader.on(relay);
  bob = await Uploader.on(relay);
});

afterAll(async () => {
  await relay?.dispose();
});

describe('tus discovery and creation', () => {
  it('answers OPTIONS with the version, extensions and largest blob', async () => {
    const response = await fetch(`${relay.url}${routes.attachments}`, { method: 'OPTIONS' });
    expect(response.status).toBe(200);
    expect(response.headers.get('tus-version')).toBe('1.0.0');
    expect(response.headers.get('tus-extension')).toBe('creation,termination,expiration');
    const max = attachmentCiphertextLength(MAX_ATTACHMENT);
    expect(response.headers.get('tus-max-size')).toBe(String(max));
    expect(await response.json()).toEqual({
      tusVersion: '1.0.0',
      extensions: ['creation', 'termination', 'expiration'],
      maxBlobBytes: max,
    });
  });

  it('refuses an upload without a token, with a bad one, or without Tus-Resumable', async () => {
    const anonymous = await fetch(`${relay.url}${routes.attachments}`, {
      method: 'POST',
      headers: { ...TUS, 'upload-length': '100' },
    });
    expect(anonymous.status).toBe(401);
    const forged = await fetch(`${relay.url}${routes.attachments}`, {
      method: 'POST',
      headers: { ...TUS, 'upload-length': '100', authorization: 'Bearer not.a.token' },
    });
    expect(forged.status).toBe(401);
    const { url } = await alice.start(100);
    expect((await fetch(url, { method: 'HEAD', headers: TUS })).status).toBe(401);
    const patch = await fetch(url, {
      method: 'PATCH',
      headers: { ...TUS, 'upload-offset': '0', 'content-type': TUS_PATCH_CONTENT_TYPE },
      body: new Uint8Array(10),
    });
    expect(patch.status).toBe(401);
    const noVersion = await fetch(`${relay.url}${routes.attachments}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice.token}`, 'upload-length': '100' },
    });
    expect(noVersion.status).toBe(412);
    expect(noVersion.headers.get('tus-version')).toBe('1.0.0');
  });

  it('refuses with 413 an Upload-Length above the limit, and a PATCH past the declared length', async () => {
    const tooLarge = await alice.create(attachmentCiphertextLength(MAX_ATTACHMENT) + 1);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await alice.create(attachmentCiphertextLength(MAX_ATTACHMENT))).status).toBe(201);
    const { url } = await alice.start(1000);
    const past = await alice.patch(url, 0, pattern(1001));
    expect(past.status).toBe(413);
    expect(((await past.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it("hides another account's upload (404) and refuses a PATCH at the wrong offset (409)", async () => {
    const { url } = await alice.start(1000);
    expect((await fetch(url, { method: 'HEAD', headers: bob.headers() })).status).toBe(404);
    expect((await bob.patch(url, 0, pattern(10))).status).toBe(404);
    expect((await alice.patch(url, 0, pattern(100))).status).toBe(204);
    const wrong = await alice.patch(url, 50, pattern(10));
    expect(wrong.status).toBe(409);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('UPLOAD_OFFSET_MISMATCH');
    expect(wrong.headers.get('upload-offset')).toBe('100');
    const wrongType = await fetch(url, {
      method: 'PATCH',
      headers: alice.headers({ 'upload-offset': '100', 'content-type': 'application/json' }),
      body: '{}',
    });
    expect(wrongType.status).toBe(415);
  });

  it('terminates an upload with DELETE, after which it is gone', async () => {
    const { url, blobId } = await alice.start(10);
    expect((await alice.patch(url, 0, pattern(10))).status).toBe(204);
    expect((await download(relay, blobId)).status).toBe(200);
    expect((await fetch(url, { method: 'DELETE', headers: bob.headers() })).status).toBe(404);
    expect((await fetch(url, { method: 'DELETE', headers: alice.headers() })).status).toBe(204);
    expect((await download(relay, blobId)).status).toBe(404);
    expect((await fetch(url, { method: 'HEAD', headers: alice.headers() })).status).toBe(404);
  });
});

describe('resumable upload', () => {
  it('resumes after a dropped connection: HEAD gives the offset, PATCH goes on from it', async () => {
    const data = pattern(600_000, 5);
    const { url, blobId } = await alice.start(data.byteLength);
    await alice.patchAndDrop(url, 0, data, 250_000);
    const offset = await settledOffset(alice, url);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(250_000);
    expect((await download(relay, blobId)).status).toBe(404);
    const rest = await alice.patch(url, offset, data.subarray(offset));
    expect(rest.status).toBe(204);
    expect(rest.headers.get('upload-offset')).toBe(String(data.byteLength));
    const downloaded = await download(relay, blobId);
    expect(downloaded.status).toBe(200);
    expect(Buffer.from(await bytesOf(downloaded)).equals(Buffer.from(data))).toBe(true);
  });

  it('resumes after the relay is killed mid-upload and started again', async () => {
    const data = pattern(500_000, 7);
    const { url, blobId } = await alice.start(data.byteLength);
    expect((await alice.patch(url, 0, data.subarray(0, 200_000))).status).toBe(204);
    await relay.kill();
    await relay.restart();
    expect(await alice.offset(url)).toBe(200_000);
    expect((await alice.patch(url, 200_000, data.subarray(200_000))).status).toBe(204);
    const downloaded = await download(relay, blobId);
    expect(Buffer.from(await bytesOf(downloaded)).equals(Buffer.from(data))).toBe(true);
  });
});

describe('download', () => {
  const data = pattern(5000, 3);
  let blobId: string;
  beforeAll(async () => {
    blobId = await alice.upload(data, 2048);
  });

  it('needs no token, and answers 404 for a blob that is missing or unfinished', async () => {
    const whole = await download(relay, blobId);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('content-length')).toBe('5000');
    expect(Buffer.from(await bytesOf(whole)).equals(Buffer.from(data))).toBe(true);
    const missing = await download(relay, 'A'.repeat(43));
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    expect((await download(relay, 'not-an-id')).status).toBe(404);
    const { blobId: unfinished, url } = await alice.start(100);
    expect((await alice.patch(url, 0, pattern(50))).status).toBe(204);
    expect((await download(relay, unfinished)).status).toBe(404);
  });

  it('answers one range with 206: a span, an open end, a suffix', async () => {
    const span = await download(relay, blobId, { range: 'bytes=10-19' });
    expect(span.status).toBe(206);
    expect(span.headers.get('content-range')).toBe('bytes 10-19/5000');
    expect([...(await bytesOf(span))]).toEqual([...data.subarray(10, 20)]);
    const open = await download(relay, blobId, { range: 'bytes=4990-' });
    expect(open.headers.get('content-range')).toBe('bytes 4990-4999/5000');
    expect([...(await bytesOf(open))]).toEqual([...data.subarray(4990)]);
    const suffix = await download(relay, blobId, { range: 'bytes=-5' });
    expect(suffix.headers.get('content-range')).toBe('bytes 4995-4999/5000');
    expect([...(await bytesOf(suffix))]).toEqual([...data.subarray(4995)]);
    const beyondEnd = await download(relay, blobId, { range: 'bytes=4000-9999' });
    expect(beyondEnd.headers.get('content-range')).toBe('bytes 4000-4999/5000');
  });

  it('answers a range past the end with 416 and the length, and ignores several ranges', async () => {
    const past = await download(relay, blobId, { range: 'bytes=5000-' });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe('bytes */5000');
    expect(((await past.json()) as { error: { code: string } }).error.code).toBe('RANGE_NOT_SATISFIABLE');
    const several = await download(relay, blobId, { range: 'bytes=0-1,5-6' });
    expect(several.status).toBe(200);
    expect((await bytesOf(several)).byteLength).toBe(5000);
  });
});

describe('an attachment end to end', () => {
  it('encrypts, uploads, downloads, verifies and decrypts to the same bytes', async () => {
    const file = pattern(700_000, 11);
    const key = generateAttachmentKey();
    const encryption = encryptAttachment([file], key, { expectedSize: file.byteLength });
    const parts: Uint8Array[] = [];
    for await (const part of encryption.ciphertext) parts.push(part);
    const blob = Buffer.concat(parts);
    const { digest, size } = encryption.result();
    const blobId = await alice.upload(blob, 300_000);
    const downloaded = await download(relay, blobId);
    const plain: Uint8Array[] = [];
    for await (const part of decryptAttachment([await bytesOf(downloaded)], { key, digest, size })) plain.push(part);
    expect(Buffer.concat(plain).equals(Buffer.from(file))).toBe(true);
  });
});

describe('accounts', () => {
  it('deleting the account deletes its blobs, finished and unfinished', async () => {
    const carol = await Uploader.on(relay);
    const finished = await carol.upload(pattern(3000));
    const { blobId: unfinished } = await carol.start(3000);
    const mine = await alice.upload(pattern(100));
    const deleted = await fetch(`${relay.url}${routes.account}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${carol.token}` },
    });
    expect(deleted.status).toBe(200);
    expect((await download(relay, finished)).status).toBe(404);
    const files = await readdir(join(relay.dataDir, 'blobs'));
    expect(files.filter((name) => name.startsWith(finished) || name.startsWith(unfinished))).toEqual([]);
    expect((await download(relay, mine)).status).toBe(200);
  });

  it('never logs a blob id', () => {
    const output = relay.output;
    expect(output).toContain('attachment blob stored');
    for (const line of relay.logLines()) {
      const text = JSON.stringify(line);
      expect(text).not.toMatch(/[A-Za-z0-9_-]{43}/);
    }
  });
});

describe('limits', () => {
  let limited: RelayProcess;
  afterAll(async () => {
    await limited?.dispose();
  });

  it('charges uploads to the daily send quota, and sweeps blobs past the envelope TTL', async () => {
    limited = await RelayProcess.start({
      args: ['--daily-send-quota', String(QUOTA), '--envelope-ttl', '2s', '--sweep-interval', '300ms'],
    });
    const dave = await Uploader.on(limited);
    const { url } = await dave.start(1_500_000);
    const over = await dave.create(QUOTA - 1_500_000 + 1);
    expect(over.status).toBe(429);
    const refusal = (await over.json()) as { error: { code: string; retryAfter?: number } };
    expect(refusal.error.code).toBe('QUOTA_EXCEEDED');
    expect(refusal.error.retryAfter).toBeGreaterThan(0);
    // Another account has its own day.
    const erin = await Uploader.on(limited);
    const blobId = await erin.upload(pattern(2000));
    expect((await download(limited, blobId)).status).toBe(200);
    expect(await dave.offset(url)).toBe(0);

    await sleep(3000);
    expect((await download(limited, blobId)).status).toBe(404);
    expect((await fetch(url, { method: 'HEAD', headers: dave.headers() })).status).toBe(404);
    let files: string[] = [];
    for (let i = 0; i < 30; i++) {
      files = await readdir(join(limited.dataDir, 'blobs'));
      if (files.length === 0) break;
      await sleep(200);
    }
    expect(files).toEqual([]);
    const swept = limited.logLines().reduce((sum, line) => sum + (typeof line.blobs === 'number' ? line.blobs : 0), 0);
    expect(swept).toBe(2);
  }, 30_000);
});
