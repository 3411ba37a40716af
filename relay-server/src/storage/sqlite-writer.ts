/**
 * The event loop's handle on the SQLite writer thread (sqlite-writer-thread.ts):
 * starts it, posts requests and matches their answers, and survives its death.
 *
 * - Requests are posted in call order and the thread answers them in that
 *   order, so writes commit in the order they were called.
 * - If the thread dies (a crash, an out-of-memory kill, `terminate()`), every
 *   request in flight rejects with WRITER_STOPPED: it may or may not have
 *   committed, so nothing is acknowledged on its account. Calls made until a
 *   new thread is up reject at once with WRITER_STOPPED too (health checks
 *   report the store failed meanwhile). A new thread is started after
 *   RESTART_DELAY_MS, and again with a doubling delay (at most
 *   MAX_RESTART_DELAY_MS) while opening fails.
 * - `close()` is posted after everything called before it, so those still
 *   commit; the thread then closes the database and ends.
 */
import { Worker } from 'node:worker_threads';
import type { DurabilityReport } from './relay-store.js';
import { storeClosed, writerStopped } from './relay-store-errors.js';
import type { SqliteConnectionStoreOptions } from './sqlite-connection-store.js';
import {
  rebuildError,
  type WriterMethod,
  type WriterReply,
  type WriterRequest,
  type WriterThreadData,
} from './sqlite-writer-protocol.js';

export const RESTART_DELAY_MS = 1000;
export const MAX_RESTART_DELAY_MS = 30_000;

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface OpenedWriter {
  readonly durability: DurabilityReport;
  /** The database file's path. */
  readonly path: string;
}

/**
 * The thread's entry point. From the built relay it is the compiled .js
 * beside this module; from the TypeScript sources (tests, `npm run relay`
 * without a build) a small loader in bin/ registers tsx in the new thread
 * first, since loader hooks of this thread do not reach it.
 */
function startThread(data: WriterThreadData): Worker {
  if (import.meta.url.endsWith('.ts')) {
    const entry = new URL('./sqlite-writer-thread.ts', import.meta.url).href;
    return new Worker(new URL('../../bin/source-worker.mjs', import.meta.url), { workerData: { ...data, entry } });
  }
  return new Worker(new URL('./sqlite-writer-thread.js', import.meta.url), { workerData: data });
}

/** Resolves once the thread opened the store; rejects with its opening error (or its death). */
function opened(worker: Worker): Promise<OpenedWriter> {
  return new Promise((resolve, reject) => {
    // An exception the thread does not catch (a module that fails to load) comes as 'error', then 'exit'.
    let thrown: unknown;
    const onError = (error: unknown): void => {
      thrown = error;
    };
    // The 'error' listener stays: until #adopt adds its own, an error must not go unheard (which would throw).
    const stopListening = (): void => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    const onMessage = (reply: WriterReply): void => {
      if (reply.kind !== 'opened' && reply.kind !== 'open-failed') return;
      stopListening();
      if (reply.kind === 'opened') resolve({ durability: reply.durability, path: reply.path });
      else reject(rebuildError(reply.error));
    };
    const onExit = (exitCode: number): void => {
      stopListening();
      reject(writerStopped(`it ended with exit code ${exitCode} while opening the database`, thrown));
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    worker.on('error', onError);
  });
}

/** What the store learns from its writer thread besides answers. */
export interface WriterEvents {
  /** A replacement thread opened the store (after the previous one died). */
  readonly restarted: () => void;
  /** Another process committed to the file (reported only with `foreignCommitCheckMs`). */
  readonly foreignCommit: () => void;
}

export class SqliteWriter {
  readonly #data: WriterThreadData;
  readonly #events: WriterEvents;
  #worker: Worker | null = null;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #closing = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartDelayMs = RESTART_DELAY_MS;
  /** Why the thread is down, while it is (null: running, or not started). */
  #down: Error | null = null;

  constructor(options: SqliteConnectionStoreOptions, foreignCommitCheckMs: number | null, events: WriterEvents) {
    this.#data = { options, foreignCommitCheckMs };
    this.#events = events;
  }

  /** Starts the thread; resolves when it opened the store (and rejects, leaving nothing running, when it could not). */
  async start(): Promise<OpenedWriter> {
    this.#closing = false;
    const worker = startThread(this.#data);
    try {
      const result = await opened(worker);
      this.#adopt(worker);
      return result;
    } catch (error) {
      await worker.terminate();
      throw error;
    }
  }

  /** True while a thread is up and answering. */
  get running(): boolean {
    return this.#worker !== null;
  }

  call<T>(method: WriterMethod, args: readonly unknown[]): Promise<T> {
    return this.#post<T>(method, args);
  }

  /** Kills the thread as a crash would (fault tests); a replacement starts as after any death. */
  async kill(): Promise<void> {
    await this.#worker?.terminate();
  }

  /** Lets everything posted before finish, closes the database and ends the thread. */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    if (worker === null) return;
    try {
      await this.#post<void>('close', []);
    } finally {
      // The thread ends by itself after closing; terminate covers a close that failed.
      await worker.terminate();
    }
  }

  #post<T>(method: WriterMethod | 'close', args: readonly unknown[]): Promise<T> {
    const worker = this.#worker;
    if (worker === null) {
      if (this.#closing || this.#down === null) return Promise.reject(storeClosed());
      return Promise.reject(writerStopped('a new one is starting', this.#down));
    }
    const id = this.#nextId++;
    const request: WriterRequest = { id, method, args };
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage(request);
    });
  }

  #adopt(worker: Worker): void {
    this.#worker = worker;
    this.#down = null;
    this.#restartDelayMs = RESTART_DELAY_MS;
    worker.on('message', (reply: WriterReply) => this.#settle(reply));
    worker.on('error', (error) => {
      this.#down = error;
    });
    worker.once('exit', (exitCode) => this.#lost(worker, exitCode));
  }

  #settle(reply: WriterReply): void {
    if (reply.kind === 'foreign-commit') this.#events.foreignCommit();
    if (reply.kind !== 'result' && reply.kind !== 'failed') return;
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.kind === 'result') pending.resolve(reply.value);
    else pending.reject(rebuildError(reply.error));
  }

  #lost(worker: Worker, exitCode: number): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    const cause = this.#down ?? new Error(`the writer thread ended with exit code ${exitCode}`);
    const pending = this.#pending;
    this.#pending = new Map();
    const stopped = this.#closing
      ? storeClosed()
      : writerStopped(
          `it ended (exit code ${exitCode}) before answering; the write may or may not have committed`,
          cause,
        );
    for (const call of pending.values()) call.reject(stopped);
    if (this.#closing) return;
    this.#down = cause;
    this.#scheduleRestart();
  }

  #scheduleRestart(): void {
    this.#restartTimer = setTimeout(() => {
      if (this.#closing) return;
      const worker = startThread(this.#data);
      opened(worker).then(
        () => {
          if (this.#closing) {
            void worker.terminate();
            return;
          }
          this.#adopt(worker);
          this.#events.restarted();
        },
        (error: unknown) => {
          void worker.terminate();
          this.#down = error instanceof Error ? error : new Error(String(error));
          this.#restartDelayMs = Math.min(this.#restartDelayMs * 2, MAX_RESTART_DELAY_MS);
          this.#scheduleRestart();
        },
      );
    }, this.#restartDelayMs);
    this.#restartTimer.unref();
  }
}
