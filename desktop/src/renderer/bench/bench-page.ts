/**
 * The benchmark page (desktop/bench/desktop-bench.ts drives it through
 * Playwright): the real Engine on the browser's IndexedDB, with the vault
 * behind the web shell over its WebSocket transport, exactly as the app's
 * renderer wires them. It exposes a few calls on `window.parleyBench`.
 *
 * The drain engine logs at debug level; the page keeps the receive
 * pipeline's per-batch line (stage durations) so the bench can say where a
 * batch's time went. Nothing polls IndexedDB while the drain runs: the
 * count happens once the engine reports the drain stored.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { createVaultClient, type VaultClient } from '../../common/invoke.js';
import { Engine } from '../engine/index.js';
import type { EngineLogger, LogDetails } from '../engine/logger.js';
import { selectTransport } from '../transport/select-transport.js';
import { WebSocketTransport } from '../transport/web-socket-transport.js';

export interface BenchAccount {
  readonly accountId: AccountId;
  readonly deviceId: number;
}

export interface DrainResult {
  /** ms from beginDrain to engine.start() resolving (vault token, socket up). */
  readonly startedMs: number;
  /** ms from beginDrain to the engine's initial drain being stored (whenDrained). */
  readonly drainedMs: number;
  /** ms from beginDrain to the count of committed messages reaching the target. */
  readonly committedMs: number;
  readonly committed: number;
  /** The receive pipeline's 'receive batch' debug lines, one per batch. */
  readonly batches: readonly LogDetails[];
}

export interface ParleyBench {
  createAccount(relayUrl: string, passphrase: string): Promise<BenchAccount>;
  /** Committed rows in the messages table, counted straight from IndexedDB. */
  countMessages(): Promise<number>;
  stopEngine(): Promise<void>;
  /** Starts a fresh engine on the same (unlocked) vault and its drain; returns at once. */
  beginDrain(expectedMessages: number): void;
  /** Resolves when the drain begun last is stored and counted; rejects with the engine's failure. */
  drainFinished(): Promise<DrainResult>;
}

declare global {
  interface Window {
    parleyBench?: ParleyBench;
  }
}

let vault: VaultClient | null = null;
let engine: Engine | null = null;
let account: BenchAccount | null = null;
/** The engine database's name (derived from the data key: at-rest/keys.ts). */
let databaseName: string | null = null;
let finished: Promise<DrainResult> = Promise.reject(new Error('no drain begun'));
finished.catch(() => {});

async function vaultClient(): Promise<VaultClient> {
  if (vault !== null) return vault;
  const transport = selectTransport();
  if (transport instanceof WebSocketTransport) await transport.connect();
  vault = createVaultClient(transport);
  return vault;
}

function countMessages(): Promise<number> {
  const name = databaseName;
  if (name === null) return Promise.reject(new Error('no account yet'));
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name);
    open.onerror = () => reject(open.error ?? new Error('IndexedDB open failed'));
    open.onsuccess = () => {
      const db = open.result;
      try {
        const request = db.transaction('messages', 'readonly').objectStore('messages').count();
        request.onsuccess = () => {
          db.close();
          resolve(request.result);
        };
        request.onerror = () => {
          db.close();
          reject(request.error ?? new Error('count failed'));
        };
      } catch (error) {
        db.close();
        reject(error);
      }
    };
  });
}

function describeError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? `${String(error.code)}: ` : '';
  return `${code}${error instanceof Error ? error.message : String(error)}`;
}

/** Keeps the pipeline's per-batch lines; passes warnings and errors to the console. */
function batchRecorder(batches: LogDetails[]): EngineLogger {
  return {
    debug: (message, details) => {
      if (message === 'receive batch' && details !== undefined) batches.push(details);
    },
    info: () => {},
    warn: (message, details) => console.warn(`[engine] ${message}`, details ?? ''),
    error: (message, details) => console.error(`[engine] ${message}`, details ?? ''),
  };
}

async function drain(expected: number, started: number): Promise<DrainResult> {
  const batches: LogDetails[] = [];
  const current = new Engine({ vault: await vaultClient(), logger: batchRecorder(batches) });
  engine = current;
  await current.start();
  const startedMs = performance.now() - started;
  await current.whenDrained();
  const drainedMs = performance.now() - started;
  // whenDrained follows the commit of every batch the relay had queued; a
  // count short of the target means a batch is still landing.
  for (;;) {
    const committed = await countMessages();
    if (committed >= expected) {
      return { startedMs, drainedMs, committedMs: performance.now() - started, committed, batches };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

window.parleyBench = {
  async createAccount(relayUrl, passphrase) {
    const created = new Engine({ vault: await vaultClient() });
    engine = created;
    const summary = await created.createAccount({ relayUrl, passphrase });
    account = { accountId: summary.accountId, deviceId: summary.deviceId };
    databaseName = created.database.dexie.name;
    return account;
  },
  countMessages,
  async stopEngine() {
    const current = engine;
    engine = null;
    if (current !== null) await current.stop();
  },
  beginDrain(expectedMessages) {
    const started = performance.now();
    finished = drain(expectedMessages, started).catch((error: unknown) => {
      throw new Error(describeError(error));
    });
    finished.catch(() => {});
  },
  drainFinished() {
    return finished;
  },
};
