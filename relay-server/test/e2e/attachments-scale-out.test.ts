/**
 * Attachment blobs in scale-out (docs/scaling.md, docs/relay.md
 * Attachments): two relay nodes on one PostgreSQL schema, sharing a JWT
 * secret and one --blob-dir. An upload begun through one node is resumed
 * through the other, downloaded through either, charged to one daily quota,
 * and swept by either.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routes, TUS_PATCH_CONTENT_TYPE } from '@parley/crypto-core/wire';
import { httpOf, RelayProcess, registerDevice } from '@parley/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { dropTestSchema, newTestSchemaName, TEST_POSTGRES_URL } from '../storage/postgres-harness.js';

const schema = newTestSchemaName();
let blobDir: string;
let first: RelayProcess;
let second: RelayProcess;

beforeAll(async () => {
  blobDir = await mkdtemp(join(tmpdir(), 'parley-shared-blobs-'));
  const args = [
    '--postgres',
    TEST_POSTGRES_URL,
    '--postgres-schema',
    schema,
    '--registration',
    'open',
    '--blob-dir',
    blobDir,
    '--daily-send-quota',
    '2MiB',
  ];
  const env = { PARLEY_RELAY_JWT_SECRET: randomBytes(32).toString('base64') };
  first = await RelayProcess.start({ args, env });
  second = await RelayProcess.start({ args, env });
});

afterAll(async () => {
  await Promise.all([first?.dispose(), second?.dispose()]);
  await dropTestSchema(schema);
  await rm(blobDir, { recursive: true, force: true });
});

it('resumes through one node an upload begun through the other, and serves it from both', async () => {
  const { token } = await registerDevice(httpOf(first));
  const headers = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };
  const data = randomBytes(300_000);
  const created = await fetch(`${first.url}${routes.attachments}`, {
    method: 'POST',
    headers: { ...headers, 'upload-length': String(data.byteLength) },
  });
  expect(created.status).toBe(201);
  const location = created.headers.get('location') ?? '';
  const { blobId } = (await created.json()) as { blobId: string };
  const patch = (relay: RelayProcess, offset: number, body: Uint8Array) =>
    fetch(`${relay.url}${location}`, {
      method: 'PATCH',
      headers: { ...headers, 'upload-offset': String(offset), 'content-type': TUS_PATCH_CONTENT_TYPE },
      body,
    });
  expect((await patch(first, 0, data.subarray(0, 100_000))).status).toBe(204);
  const head = await fetch(`${second.url}${location}`, { method: 'HEAD', headers });
  expect(head.headers.get('upload-offset')).toBe('100000');
  expect((await patch(second, 100_000, data.subarray(100_000))).status).toBe(204);
  for (const relay of [first, second]) {
    const downloaded = await fetch(`${relay.url}${routes.attachments}/${blobId}`);
    expect(Buffer.from(await downloaded.arrayBuffer()).equals(data)).toBe(true);
  }
  expect((await readdir(blobDir)).sort()).toEqual([`${blobId}.blob`, `${blobId}.json`]);

  // One quota across nodes: 300,000 bytes charged through the first, the rest of 2 MiB through the second.
  const rest = 2 * 1024 * 1024 - 300_000;
  const over = await fetch(`${second.url}${routes.attachments}`, {
    method: 'POST',
    headers: { ...headers, 'upload-length': String(rest + 1) },
  });
  expect(over.status).toBe(429);

  // Deleting the account through either node deletes the blob for both.
  const deleted = await fetch(`${second.url}${routes.account}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  expect(deleted.status).toBe(200);
  expect((await fetch(`${first.url}${routes.attachments}/${blobId}`)).status).toBe(404);
  expect(await readdir(blobDir)).toEqual([]);
});
