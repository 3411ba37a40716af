/**
 * One simulated Parley client for engine tests: a real Vault in a temporary
 * profile folder (OS-keychain protection with an in-memory keychain, so no
 * Argon2id in the way), reached through the in-process transport, and the
 * engine on its own fake-indexeddb factory. A client can drop its engine
 * (stop, or abandon as a crash would) and start a new one on the same
 * database and vault, as a restarted renderer would.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Argon2idParams } from '@parley/crypto-core';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { createVaultClient } from '../../src/common/invoke.js';
import { Engine, type EngineOptions } from '../../src/renderer/engine/engine.js';
import type { MessageView } from '../../src/renderer/engine/queries.js';
import { Vault } from '../../src/vault/index.js';
import { MemoryKeychain } from '../vault/support/memory-keychain.js';
import { InProcessTransport } from './in-process-transport.js';
import { RecordingLogger } from './recording-logger.js';

/** Engine timings for tests: quick reconnects and retries, still exponential and jittered. */
export const FAST_ENGINE_OPTIONS: Partial<EngineOptions> = {
  connection: {
    backoff: { initialMs: 50, maxMs: 600, multiplier: 2, jitter: 0.5 },
    connectTimeoutMs: 5000,
    requestTimeoutMs: 5000,
  },
  outbox: {
    backoff: { initialMs: 100, maxMs: 1000, multiplier: 2, jitter: 0.3 },
    relayProbe: { initialMs: 100, maxMs: 800, multiplier: 2, jitter: 0.3 },
    maxAttempts: 12,
  },
  receive: { retryBaseMs: 100, maxDecryptRetries: 5 },
};

export type EngineOverrides = Partial<Omit<EngineOptions, 'vault' | 'indexedDB' | 'IDBKeyRange'>>;

export class TestClient {
  readonly indexedDB = new IDBFactory();
  readonly logger: RecordingLogger;
  readonly transport: InProcessTransport;
  engine: Engine;
  readonly #root: string;

  private constructor(
    readonly name: string,
    readonly vault: Vault,
    root: string,
    private readonly defaults: EngineOverrides,
    /** The in-memory keychain holding the vault key (os-keychain protection), for tests that open the vault's files. */
    readonly keychain: MemoryKeychain | null = null,
  ) {
    this.#root = root;
    this.logger = new RecordingLogger(name);
    this.transport = new InProcessTransport(vault);
    this.engine = this.newEngine();
  }

  /**
   * A client with an identity registered at `relayUrl`, engine running.
   * `clockSkewMs` sets the machine's clock that far off (engine and vault alike).
   */
  static async create(
    name: string,
    relayUrl: string,
    overrides: EngineOverrides = {},
    options: { clockSkewMs?: number } = {},
  ): Promise<TestClient> {
    const client = TestClient.offline(name, overrides, { keyProtection: 'os-keychain' }, options.clockSkewMs ?? 0);
    await client.engine.createAccount({ relayUrl });
    return client;
  }

  /**
   * A client with a vault and an engine that has not created an account yet.
   * The vault's key comes from an in-memory keychain, or from a passphrase
   * (pass fast Argon2id parameters).
   */
  static offline(
    name: string,
    overrides: EngineOverrides = {},
    protection: { keyProtection: 'passphrase'; kdf: Argon2idParams } | { keyProtection: 'os-keychain' } = {
      keyProtection: 'os-keychain',
    },
    clockSkewMs = 0,
  ): TestClient {
    const root = mkdtempSync(join(tmpdir(), `parley-engine-${name}-`));
    const profileDir = join(root, 'profile');
    const now = () => Date.now() + clockSkewMs;
    let keychain: MemoryKeychain | null = null;
    let vault: Vault;
    if (protection.keyProtection === 'passphrase') {
      vault = new Vault({ profileDir, keyProtection: 'passphrase', kdf: protection.kdf, now });
    } else {
      keychain = new MemoryKeychain();
      vault = new Vault({ profileDir, keyProtection: 'os-keychain', keychain, now });
    }
    const defaults = clockSkewMs === 0 ? overrides : { clock: { now }, ...overrides };
    return new TestClient(name, vault, root, defaults, keychain);
  }

  /** The vault's profile folder. */
  get profileDir(): string {
    return join(this.#root, 'profile');
  }

  get accountId() {
    const account = this.engine.account;
    if (account === null) throw new Error(`${this.name} has no account`);
    return account.accountId;
  }

  get contactCode(): string {
    const account = this.engine.account;
    if (account === null) throw new Error(`${this.name} has no account`);
    return account.contactCode;
  }

  /** A new engine on this client's database and vault (not started). */
  newEngine(overrides: EngineOverrides = {}): Engine {
    return new Engine({
      ...FAST_ENGINE_OPTIONS,
      logger: this.logger,
      ...this.defaults,
      ...overrides,
      vault: createVaultClient(this.transport),
      indexedDB: this.indexedDB,
      IDBKeyRange,
    });
  }

  /** Stops the engine (orderly, or abandoned as in a crash) and starts a new one on the same profile. */
  async restart(options: { crash?: boolean; overrides?: EngineOverrides } = {}): Promise<Engine> {
    if (options.crash === true) this.engine.abandon();
    else await this.engine.stop();
    this.engine = this.newEngine(options.overrides);
    await this.engine.start();
    return this.engine;
  }

  /** Every message of a conversation, oldest first (paging through the index). */
  async allMessages(conversationId: string): Promise<MessageView[]> {
    const pages: MessageView[][] = [];
    let before: string | undefined;
    for (let guard = 0; guard < 10_000; guard++) {
      const page = await this.engine.queries.messagePage(conversationId, {
        limit: 500,
        ...(before === undefined ? {} : { before }),
      });
      pages.unshift([...page.messages]);
      const first = page.messages[0];
      if (!page.hasOlder || first === undefined) break;
      before = first.position;
    }
    return pages.flat();
  }

  async dispose(): Promise<void> {
    try {
      await this.engine.stop();
    } finally {
      await this.vault.lock({});
      rmSync(this.#root, { recursive: true, force: true });
    }
  }
}
