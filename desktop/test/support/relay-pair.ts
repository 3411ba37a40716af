/**
 * Two real relays on 127.0.0.1, on different ports and data folders, for
 * tests of contacts on another relay (docs/protocol.md §4.6), with the usual
 * HOME of its own and clients disposed after the last test. Call at the top
 * level of a test file.
 *
 * Bridge until per-relay trust roots land (branch wip/trust): a recipient's
 * vault checks sealed-sender certificates only against its own home relay's
 * trust root, so with SHARE_TRUST_ROOT relay B starts with relay A's
 * sealed-sender keys (a copy of A's `sealed-sender.json`), and certificates
 * either relay issues verify at both. Once the vault pins a trust root per
 * relay, set it to false: the tests must then pass with two distinct roots.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { TestClient } from './test-client.js';
import { type RelayProcess, startRelay } from './test-relay.js';
import { waitFor } from './wait.js';

export const SHARE_TRUST_ROOT = true;

/** The relay's sealed-sender key file in its data folder (relay-server/src/data-folder.ts). */
const SEALED_SENDER_FILE = 'sealed-sender.json';

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
    if (SHARE_TRUST_ROOT) await copyFile(join(a.dataDir, SEALED_SENDER_FILE), join(bData, SEALED_SENDER_FILE));
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
