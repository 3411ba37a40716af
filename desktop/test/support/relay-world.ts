/**
 * The usual frame of an engine test that backs up: a HOME of its own (the
 * vault writes exports to ~/Parley Backups), one real relay for the file,
 * and the clients it made, disposed after the last test. Call at the top
 * level of a test file (or a describe): it registers the hooks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { TestClient } from './test-client.js';
import { type RelayProcess, startRelay } from './test-relay.js';

export interface RelayWorld {
  /** The relay, once beforeAll ran. */
  readonly relay: RelayProcess;
  /** Clients to dispose after the last test. */
  readonly clients: TestClient[];
}

export function useRelayWorld(label: string): RelayWorld {
  const home = mkdtempSync(join(tmpdir(), `parley-${label}-home-`));
  process.env.HOME = home;
  let relay: RelayProcess | undefined;
  const clients: TestClient[] = [];
  beforeAll(async () => {
    relay = await startRelay();
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose().catch(() => undefined);
    await relay?.dispose();
    rmSync(home, { recursive: true, force: true });
  });
  return {
    get relay(): RelayProcess {
      if (relay === undefined) throw new Error('the relay starts in beforeAll');
      return relay;
    },
    clients,
  };
}
