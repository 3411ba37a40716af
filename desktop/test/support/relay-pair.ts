/**
 * Two real relays on 127.0.0.1, on different ports and data folders, for
 * tests of contacts on another relay (docs/protocol.md §4.6), with the usual
 * HOME of its own and clients disposed after the last test. Call at the top
 * level of a test file. Each relay has its own sealed-sender trust root, so
 * every cross-relay test also checks that recipients validate certificates
 * under the sender's relay's pinned root (docs/protocol.md §5).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TestClient } from './test-client.js';
import { type RelayProcess, startRelay } from './test-relay.js';
import { waitFor } from './wait.js';

export interface RelayPair {
  readonly a: RelayProcess;
  readonly b: RelayProcess;
  readonly clients: TestClient[];
}

export function useRelayPair(label: string): RelayPair {
  const home = mkdtempSync(join(tmpdir(), `parley-${label}-home-`));
  process.env.HOME = home;
  let a: RelayProcess | undefined;
  let b: RelayProcess | undefined;
  let bData: string | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    a = await startRelay();
    bData = await mkdtemp(join(tmpdir(), `parley-${label}-relay-b-`));
    b = await startRelay({ dataDir: bData });
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose().catch(() => undefined);
    await a?.dispose();
    await b?.dispose();
    if (bData !== undefined) await rm(bData, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });
  const started = (relay: RelayProcess | undefined): RelayProcess => {
    if (relay === undefined) throw new Error('the relays start in beforeAll');
    return relay;
  };
  return {
    get a() {
      return started(a);
    },
    get b() {
      return started(b);
    },
    clients,
  };
}

/**
 * A client on `relayUrl`, disposed with the pair, once that relay confirmed
 * its access keys: senders from the other relay can reach it only then.
 */
export async function registeredClient(pair: RelayPair, name: string, relayUrl: string): Promise<TestClient> {
  const made = await TestClient.create(name, relayUrl);
  pair.clients.push(made);
  await waitFor(`${name} registered the access keys`, async () =>
    (await made.engine.database.getSetting('accessKeysRegistered')) !== undefined ? true : null,
  );
  return made;
}
