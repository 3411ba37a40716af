/**
 * The SQLite store's writer thread (a worker_threads Worker started by
 * sqlite-writer.ts): it owns the connection every write goes through and runs
 * the requests of the relay's event loop one after another, in arrival
 * order, so commits and their fsyncs never block the event loop.
 *
 * It opens the store (durability settings checked, schema migrated) before
 * answering anything, then answers each request with its result or its
 * error. A `close` request closes the store after every request before it,
 * answers, and lets the thread end.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { NewSend, RelayStore, SendLimits } from './relay-store.js';
import { SqliteConnectionStore } from './sqlite-connection-store.js';
import {
  carryError,
  compactOutcomes,
  WRITER_METHODS,
  type WriterMethod,
  type WriterReply,
  type WriterRequest,
  type WriterThreadData,
} from './sqlite-writer-protocol.js';

const port = parentPort;
if (port === null) throw new Error('sqlite-writer-thread.ts runs only as a worker thread');

const { options, foreignCommitCheckMs } = workerData as WriterThreadData;
const store = new SqliteConnectionStore(options);
const methods: ReadonlySet<string> = new Set(WRITER_METHODS);

function post(reply: WriterReply): void {
  port?.postMessage(reply);
}

type AnyMethod = (...args: readonly unknown[]) => Promise<unknown>;

function run(method: WriterMethod, args: readonly unknown[]): Promise<unknown> {
  if (method === 'commitSends') {
    return store.commitSends(args[0] as readonly NewSend[], args[1] as SendLimits).then(compactOutcomes);
  }
  if (method === 'backupTo') return store.backupTo(args[0] as string);
  const target = (store as unknown as Record<keyof RelayStore, AnyMethod>)[method];
  return target.apply(store, [...args]);
}

async function answer(request: WriterRequest): Promise<void> {
  try {
    if (request.method === 'close') {
      await store.close();
      post({ kind: 'result', id: request.id, value: undefined });
      port?.close();
      return;
    }
    if (!methods.has(request.method)) throw new Error(`the writer thread runs no method ${request.method}`);
    post({ kind: 'result', id: request.id, value: await run(request.method, request.args) });
  } catch (error) {
    post({ kind: 'failed', id: request.id, error: carryError(error) });
  }
}

/** Reports commits by other connections (this connection's data_version changes only for those). */
function watchForeignCommits(everyMs: number): void {
  let seen = store.dataVersion();
  const timer = setInterval(() => {
    if (store.databasePath === null) {
      clearInterval(timer);
      return;
    }
    const now = store.dataVersion();
    if (now === seen) return;
    seen = now;
    post({ kind: 'foreign-commit' });
  }, everyMs);
  timer.unref();
}

try {
  const durability = await store.init();
  if (foreignCommitCheckMs !== null) watchForeignCommits(foreignCommitCheckMs);
  port.on('message', (request: WriterRequest) => void answer(request));
  post({ kind: 'opened', durability, path: store.databasePath ?? '' });
} catch (error) {
  post({ kind: 'open-failed', error: carryError(error) });
  port.close();
}
