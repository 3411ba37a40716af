/**
 * The benchmark page (desktop/bench/desktop-bench.ts drives it through
 * Playwright): the real Engine on the browser's IndexedDB, with the vault
 * behind the web shell over its WebSocket transport, exactly as the app's
 * renderer wires them. It exposes a few calls on `window.parleyBench`.
 */
import type { AccountId } from '@parley/crypto-core/wire';
import { createVaultClient, type VaultClient } from '../../common/invoke.js';
import { Engine } from '../engine/index.js';
import { selectTransport } from '../transport/select-transport.js';
import { WebSocketTransport } from '../transport/web-socket-transport.js';

export interface BenchAccount {
  readonly accountId: AccountId;
  readonly deviceId: number;
}

export interface DrainProgress {
  /** ms from beginDrain to engine.start() resolving (vault token, socket up). */
  readonly startedMs: number | null;
  /** ms from beginDrain to the engine's initial drain being stored (whenDrained). */
  readonly drainedMs: number | null;
  /** ms from beginDrain to the first count of committed messages reaching the target. */
  readonly committedMs: number | null;
  readonly committed: number;
  readonly error: string | null;
}

export interface ParleyBench {
  createAccount(relayUrl: string, passphrase: string): Promise<BenchAccount>;
  /** Committed rows in the messages table, counted straight from IndexedDB. */
  countMessages(): Promise<number>;
  stopEngine(): Promise<void>;
  /** Starts a fresh engine on the same (unlocked) vault and tracks the drain; returns at once. */
  beginDrain(expectedMessages: number): void;
  progress(): Promise<DrainProgress>;
}

declare global {
  interface Window {
    parleyBench?: ParleyBench;
  }
}

let vault: VaultClient | null = null;
let engine: Engine | null = null;
let account: BenchAccount | null = null;
let progress: DrainProgress = { startedMs: null, drainedMs: null, committedMs: null, committed: 0, error: null };

async function vaultClient(): Promise<VaultClient> {
  if (vault !== null) return vault;
  const transport = selectTransport();
  if (transport instanceof WebSocketTransport) await transport.connect();
  vault = createVaultClient(transport);
  return vault;
}

function countMessages(): Promise<number> {
  const current = account;
  if (current === null) return Promise.reject(new Error('no account yet'));
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(`parley-engine-${current.accountId}`);
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

async function drain(expected: number, started: number): Promise<void> {
  const current = new Engine({ vault: await vaultClient() });
  engine = current;
  await current.start();
  progress = { ...progress, startedMs: performance.now() - started };
  const drained = current.whenDrained().then(() => {
    progress = { ...progress, drainedMs: performance.now() - started };
  });
  for (;;) {
    const committed = await countMessages();
    progress = { ...progress, committed };
    if (committed >= expected) {
      progress = { ...progress, committedMs: performance.now() - started };
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await drained;
}

window.parleyBench = {
  async createAccount(relayUrl, passphrase) {
    const created = new Engine({ vault: await vaultClient() });
    engine = created;
    const summary = await created.createAccount({ relayUrl, passphrase });
    account = { accountId: summary.accountId, deviceId: summary.deviceId };
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
    progress = { startedMs: null, drainedMs: null, committedMs: null, committed: 0, error: null };
    drain(expectedMessages, started).catch((error: unknown) => {
      progress = { ...progress, error: describeError(error) };
    });
  },
  async progress() {
    return progress;
  },
};
