/**
 * The relay connection over time: short-lived tokens (the relay closes the
 * socket with TOKEN_EXPIRED and the engine logs in again, through the
 * handshake's auth callback), the observable state with the queued count
 * while the relay is down, and prekey top-ups when the relay says they run low.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ConnectionStatus } from '../../src/renderer/engine/connection-status.js';
import { directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { delay, waitFor } from '../support/wait.js';

let relay: RelayProcess;
let alice: TestClient;
let bob: TestClient;

beforeAll(async () => {
  relay = await startRelay({ args: ['--token-ttl', '2s', '--prekeys-low-threshold', '120'] });
  [alice, bob] = await Promise.all([
    TestClient.create('alice', relay.url, { prekeys: { target: 150 } }),
    TestClient.create('bob', relay.url),
  ]);
  await introduce(alice, bob, 'Bob');
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
  await relay?.dispose();
});

it('logs in again when the relay ends a session whose token expired, and keeps delivering', async () => {
  const relayErrors: string[] = [];
  alice.engine.on('relay-error', (error) => relayErrors.push(error.code));
  const logins = alice.transport.calls.get('signChallenge') ?? 0;
  await delay(2600);
  await waitFor('token expired and renewed', () => (alice.transport.calls.get('signChallenge') ?? 0) > logins);
  expect(relayErrors).toContain('TOKEN_EXPIRED');
  await waitFor('online again', () => alice.engine.connection.value.state === 'online');
  const message = await alice.engine.sendText(directId(bob), 'after a new token');
  await waitForTexts(bob, directId(alice), 1);
  await waitForStates(alice, [message.id], ['delivered']);
});

it('reports offline with the number of queued messages, then sends them when back', async () => {
  const seen: ConnectionStatus[] = [];
  const off = alice.engine.connection.subscribe((status) => seen.push(status));
  await relay.kill();
  await waitFor('offline', () => (alice.engine.connection.value.state !== 'online' ? true : null));
  const queued = [];
  for (let i = 0; i < 3; i++) queued.push(await alice.engine.sendText(directId(bob), `while offline ${i}`));
  await waitFor('three queued', () => (alice.engine.connection.value.queuedMessages === 3 ? true : null));
  expect(['offline', 'connecting']).toContain(alice.engine.connection.value.state);

  await relay.restart();
  alice.engine.reconnectNow();
  await waitForStates(
    alice,
    queued.map((m) => m.id),
    ['sent', 'delivered', 'read'],
  );
  await waitFor('queue empty and online', () => {
    const status = alice.engine.connection.value;
    return status.state === 'online' && status.queuedMessages === 0 ? true : null;
  });
  off();
  const states = seen.map((status) => status.state);
  expect(states).toContain('offline');
  expect(states).toContain('connecting');
  expect(states.at(-1)).toBe('online');
  expect(seen.some((status) => status.state !== 'online' && status.queuedMessages === 3)).toBe(true);
  await waitForTexts(bob, directId(alice), 4);
});

it('tops up one-time prekeys when the relay reports them low', async () => {
  // The relay warns below 120; registration uploaded 100: every connect triggers a top-up to 150.
  await waitFor(
    'prekeys topped up',
    () => alice.logger.lines.find((line) => line.message === 'prekeys topped up') ?? null,
  );
  const line = alice.logger.lines.find((entry) => entry.message === 'prekeys topped up');
  expect(line?.details?.preKeys).toBeGreaterThanOrEqual(150);
  expect(line?.details?.kyberPreKeys).toBeGreaterThanOrEqual(150);
  expect(alice.transport.calls.get('buildPreKeyRefill')).toBeGreaterThanOrEqual(1);
});
