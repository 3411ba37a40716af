/**
 * The relay goes away while messages flow, stopped gracefully or killed
 * with SIGKILL, and comes back on the same data: nothing is lost, nothing is
 * shown twice, the order holds, and every message ends delivered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { assertUnique, directId, introduce, waitForStates, waitForTexts } from '../support/conversation-helpers.js';
import { TestClient } from '../support/test-client.js';
import { type RelayProcess, startRelay } from '../support/test-relay.js';
import { waitFor } from '../support/wait.js';

const PER_ROUND = 300;

let relay: RelayProcess;
let alice: TestClient;
let bob: TestClient;
let aliceToBob: string;

beforeAll(async () => {
  relay = await startRelay();
  [alice, bob] = await Promise.all([TestClient.create('alice', relay.url), TestClient.create('bob', relay.url)]);
  aliceToBob = await introduce(alice, bob, 'Bob');
});

afterAll(async () => {
  await Promise.allSettled([alice?.dispose(), bob?.dispose()]);
  await relay?.dispose();
});

async function sendThrough(outage: 'restart' | 'kill', label: string): Promise<void> {
  const before = (await bob.allMessages(directId(alice))).length;
  const states: string[] = [];
  const off = alice.engine.on('connection', (status) => states.push(status.state));
  const sent: string[] = [];
  const sending = (async () => {
    for (let i = 0; i < PER_ROUND; i++) {
      sent.push((await alice.engine.sendText(aliceToBob, `${label} ${String(i).padStart(3, '0')}`)).id);
    }
  })();
  // Pull the relay once messages are flowing.
  await waitFor('messages flowing', async () => (await bob.allMessages(directId(alice))).length >= before + 30);
  if (outage === 'kill') await relay.kill();
  else await relay.stop('SIGTERM');
  await relay.restart();
  await sending;

  const texts = await waitForTexts(bob, directId(alice), before + PER_ROUND, 90_000);
  await bob.engine.whenIdle();
  const all = await bob.allMessages(directId(alice));
  assertUnique(all);
  expect(all).toHaveLength(before + PER_ROUND);
  expect(texts.slice(before).map((m) => m.body)).toEqual(
    Array.from({ length: PER_ROUND }, (_, i) => `${label} ${String(i).padStart(3, '0')}`),
  );
  await waitForStates(alice, sent, ['delivered'], 90_000);
  off();
  // The outage was seen and recovered from.
  expect(states).toContain('online');
  expect(states.some((state) => state !== 'online')).toBe(true);
}

it('loses nothing and shows nothing twice when the relay restarts during sends', async () => {
  await sendThrough('restart', 'restart');
});

it('loses nothing and shows nothing twice when the relay is killed (SIGKILL) during sends', async () => {
  await sendThrough('kill', 'kill');
});
