/**
 * A relay on SQLite whose writer thread dies (as a crash would kill it):
 * the relay keeps running, sends meanwhile are answered UNAVAILABLE (never
 * acknowledged), /healthz reports the store failed, a new writer thread takes
 * over by itself, and then sends are acknowledged and delivered again, with
 * everything acknowledged before still delivered.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routes } from '@parley/crypto-core/wire';
import { DeviceSocket, labelOf, payload, RelayHttp, registerDevice, sleep } from '@parley/test-support';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createLogger } from '../../src/logging.js';
import { type RunningRelay, startRelay } from '../../src/relay.js';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';

let dataDir: string;
let relay: RunningRelay;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-relay-writer-'));
  const config = resolveConfig({ port: '0', dataDir, registration: 'open' }, {});
  relay = await startRelay(config, createLogger('silent'));
});

afterAll(async () => {
  await relay?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function health(http: RelayHttp): Promise<{ status: number; body: unknown }> {
  const response = await http.request(routes.health);
  return { status: response.status, body: response.body };
}

it('answers UNAVAILABLE while the writer thread is down, reports it, and recovers by itself', async () => {
  const store = relay.store;
  if (!(store instanceof SqliteRelayStore)) throw new Error('the relay did not open the SQLite store');
  const http = new RelayHttp(relay.url);
  const alice = await registerDevice(http);
  const bob = await registerDevice(http);
  const aliceSocket = await DeviceSocket.connect(relay.url, alice.token);
  const bobSocket = await DeviceSocket.connect(relay.url, bob.token);
  const send = (label: string) =>
    aliceSocket.send({
      recipient: bob.device.accountId,
      messages: [{ deviceId: 1, type: 'message', content: payload(label) }],
    });
  try {
    expect((await send('before')).ok).toBe(true);
    expect((await health(http)).status).toBe(200);

    await store.killWriterThread();
    const refused = await send('while down');
    expect(refused).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    const down = await health(http);
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'degraded', dependencies: { sqlite: { status: 'failed' } } });

    const deadline = Date.now() + 15_000;
    while ((await health(http)).status !== 200) {
      if (Date.now() > deadline) throw new Error('the relay did not recover within 15 s');
      await sleep(50);
    }
    expect((await send('after')).ok).toBe(true);
    await bobSocket.waitFor(() => bobSocket.received.length >= 2, 10_000, 'two envelopes for bob');
    expect(bobSocket.received.map((envelope) => labelOf(envelope.content))).toEqual(['before', 'after']);
  } finally {
    aliceSocket.close();
    bobSocket.close();
  }
});
