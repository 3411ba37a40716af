/**
 * Attachment throughput (issue 15): a 100 MB file end to end, upload
 * (encrypt with crypto-core, tus creation and PATCHes to the relay, which
 * makes each durable) and download (GET, then digest check and decryption in
 * one pass), beside a raw loopback HTTP transfer of the same number of bytes
 * to a bare Node server that stores them in a file (raw-transfer-server.ts),
 * in the same run. Each direction runs ROUNDS times alternating with the raw
 * one; the best of each is reported, with the ratio to raw. Aim: >= 50%.
 * Ends with one JSON line.
 *
 *   npm run bench -w relay-server            (with the relay benchmark)
 *   node --conditions=source --import tsx bench/attachment-bench.ts [--mb N] [--rounds N]
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  attachmentCiphertextLength,
  decryptAttachment,
  encryptAttachment,
  generateAttachmentKey,
} from '@parley/crypto-core/attachment';
import { routes, TUS_PATCH_CONTENT_TYPE, TUS_VERSION } from '@parley/crypto-core/wire';
import { RelayHttp, registerDevice } from '@parley/test-support';
import { ServerProcess } from './server-process.js';

const { values } = parseArgs({
  options: { mb: { type: 'string', default: '100' }, rounds: { type: 'string', default: '2' } },
});
const FILE_BYTES = Math.round(Number(values.mb) * 1_000_000);
const ROUNDS = Math.max(1, Number(values.rounds));
/** Bytes per tus PATCH: small enough for the relay's 30 s request timeout on slow links, large enough to amortise the fsync. */
const PATCH_BYTES = 16 * 1024 * 1024;
const SLICE_BYTES = 1024 * 1024;
const AIM = 0.5;

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
/** The "file": one random MiB repeated (reading a real file would measure the disk twice). */
const slice = randomBytes(SLICE_BYTES);

async function* fileBytes(): AsyncGenerator<Uint8Array> {
  for (let sent = 0; sent < FILE_BYTES; sent += SLICE_BYTES)
    yield slice.subarray(0, Math.min(SLICE_BYTES, FILE_BYTES - sent));
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly response: IncomingMessage;
}

/** One HTTP request whose body is streamed from `body` with backpressure; resolves when the answer's headers arrive. */
function send(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: AsyncIterable<Uint8Array>,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, headers, agent }, (response) =>
      resolve({ status: response.statusCode ?? 0, headers: response.headers, response }),
    );
    outgoing.on('error', reject);
    void (async () => {
      if (body !== undefined) {
        for await (const piece of body) {
          if (!outgoing.write(piece)) await new Promise((drained) => outgoing.once('drain', drained));
        }
      }
      outgoing.end();
    })().catch(reject);
  });
}

async function drain(response: IncomingMessage): Promise<number> {
  let bytes = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) bytes += chunk.byteLength;
  return bytes;
}

/** The next `size` bytes of `pieces`, re-cut; what is left over waits in `carry` for the next call. */
function take(pieces: AsyncIterator<Uint8Array>, size: number, carry: { rest: Uint8Array | null }) {
  return (async function* () {
    let left = size;
    while (left > 0) {
      let piece = carry.rest;
      carry.rest = null;
      if (piece === null) {
        const next = await pieces.next();
        if (next.done === true) throw new Error('the ciphertext ended early');
        piece = next.value;
      }
      if (piece.byteLength > left) {
        carry.rest = piece.subarray(left);
        piece = piece.subarray(0, left);
      }
      left -= piece.byteLength;
      yield piece;
    }
  })();
}

interface Uploaded {
  readonly blobId: string;
  readonly key: Uint8Array;
  readonly digest: Uint8Array;
}

/** Encrypts the file and uploads the blob with tus, PATCH_BYTES at a time, encryption streaming into each PATCH. */
async function uploadAttachment(relayUrl: string, token: string): Promise<Uploaded> {
  const key = generateAttachmentKey();
  const length = attachmentCiphertextLength(FILE_BYTES);
  const auth = { authorization: `Bearer ${token}`, 'tus-resumable': TUS_VERSION };
  const created = await send('POST', `${relayUrl}${routes.attachments}`, {
    ...auth,
    'upload-length': String(length),
    'content-length': '0',
  });
  const createdBody = JSON.parse(await text(created.response)) as { blobId: string };
  if (created.status !== 201) throw new Error(`creation answered ${created.status}`);
  const location = `${relayUrl}${created.headers.location}`;
  const encryption = encryptAttachment(fileBytes(), key, { expectedSize: FILE_BYTES });
  const pieces = encryption.ciphertext[Symbol.asyncIterator]();
  const carry = { rest: null as Uint8Array | null };
  for (let offset = 0; offset < length; offset += PATCH_BYTES) {
    const size = Math.min(PATCH_BYTES, length - offset);
    const answer = await send(
      'PATCH',
      location,
      {
        ...auth,
        'upload-offset': String(offset),
        'content-type': TUS_PATCH_CONTENT_TYPE,
        'content-length': String(size),
      },
      take(pieces, size, carry),
    );
    await drain(answer.response);
    if (answer.status !== 204) throw new Error(`PATCH answered ${answer.status}`);
  }
  if (!(await pieces.next()).done) throw new Error('the ciphertext is longer than its length');
  return { blobId: createdBody.blobId, key, digest: encryption.result().digest };
}

async function text(response: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of response as AsyncIterable<Buffer>) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** Downloads the blob and checks and decrypts it in one pass; returns the plaintext bytes. */
async function downloadAttachment(relayUrl: string, uploaded: Uploaded): Promise<number> {
  const answer = await send('GET', `${relayUrl}${routes.attachments}/${uploaded.blobId}`, {});
  if (answer.status !== 200) throw new Error(`download answered ${answer.status}`);
  let bytes = 0;
  const expected = { key: uploaded.key, digest: uploaded.digest, size: FILE_BYTES };
  for await (const part of decryptAttachment(answer.response as AsyncIterable<Uint8Array>, expected)) {
    bytes += part.byteLength;
  }
  return bytes;
}

async function rawUpload(url: string): Promise<void> {
  const answer = await send('PUT', `${url}/raw`, { 'content-length': String(FILE_BYTES) }, fileBytes());
  await drain(answer.response);
  if (answer.status !== 204) throw new Error(`raw PUT answered ${answer.status}`);
}

async function rawDownload(url: string): Promise<number> {
  return drain((await send('GET', `${url}/raw`, {})).response);
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; mbPerSecond: number }> {
  const start = performance.now();
  const result = await work();
  const seconds = (performance.now() - start) / 1000;
  return { result, mbPerSecond: FILE_BYTES / 1e6 / seconds };
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

const folder = await mkdtemp(join(tmpdir(), 'parley-attachment-bench-'));
const relay = await ServerProcess.startRelay({
  dataDir: join(folder, 'relay'),
  extraArgs: ['--max-attachment-bytes', String(FILE_BYTES), '--daily-send-quota', '1024GiB'],
});
const raw = await ServerProcess.startRawTransfer(folder);
try {
  const { token } = await registerDevice(new RelayHttp(relay.url));
  const best = { upload: 0, rawUpload: 0, download: 0, rawDownload: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const rawUp = await timed(() => rawUpload(raw.url));
    const up = await timed(() => uploadAttachment(relay.url, token));
    const rawDown = await timed(() => rawDownload(raw.url));
    const down = await timed(() => downloadAttachment(relay.url, up.result));
    if (rawDown.result !== FILE_BYTES || down.result !== FILE_BYTES) throw new Error('a download came back short');
    best.upload = Math.max(best.upload, up.mbPerSecond);
    best.rawUpload = Math.max(best.rawUpload, rawUp.mbPerSecond);
    best.download = Math.max(best.download, down.mbPerSecond);
    best.rawDownload = Math.max(best.rawDownload, rawDown.mbPerSecond);
    console.log(
      `round ${round + 1}: upload ${up.mbPerSecond.toFixed(0)} MB/s (raw ${rawUp.mbPerSecond.toFixed(0)}), ` +
        `download ${down.mbPerSecond.toFixed(0)} MB/s (raw ${rawDown.mbPerSecond.toFixed(0)})`,
    );
  }
  const uploadRatio = best.upload / best.rawUpload;
  const downloadRatio = best.download / best.rawDownload;
  console.log(
    `${(FILE_BYTES / 1e6).toFixed(0)} MB attachment, best of ${ROUNDS}: ` +
      `upload ${best.upload.toFixed(0)} MB/s = ${(uploadRatio * 100).toFixed(0)}% of raw ${best.rawUpload.toFixed(0)} MB/s; ` +
      `download ${best.download.toFixed(0)} MB/s = ${(downloadRatio * 100).toFixed(0)}% of raw ${best.rawDownload.toFixed(0)} MB/s ` +
      `(aim: ${AIM * 100}%)`,
  );
  process.stdout.write(
    `${JSON.stringify({
      bench: 'attachments',
      fileBytes: FILE_BYTES,
      rounds: ROUNDS,
      patchBytes: PATCH_BYTES,
      upload: { mbPerSecond: round2(best.upload), rawMbPerSecond: round2(best.rawUpload), ratio: round2(uploadRatio) },
      download: {
        mbPerSecond: round2(best.download),
        rawMbPerSecond: round2(best.rawDownload),
        ratio: round2(downloadRatio),
      },
      aim: AIM,
      aimMet: uploadRatio >= AIM && downloadRatio >= AIM,
    })}\n`,
  );
} finally {
  agent.destroy();
  await relay.stop();
  await raw.stop();
  await rm(folder, { recursive: true, force: true });
}
