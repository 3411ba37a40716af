/**
 * Measures the SQLite store on this machine (not part of `npm test`):
 *
 * 1. Envelope content as BLOB vs base64 TEXT, ~600-byte envelopes: insert
 *    and fetch cost per envelope, without fsync (the CPU cost alone) and
 *    with synchronous=FULL (what the relay pays), and the database size.
 *    Two tables side by side, batches alternating between them.
 * 2. SqliteRelayStore.insertEnvelopes throughput per batch size, with
 *    synchronous FULL and NORMAL (one transaction, one fsync per batch).
 * 3. Drain cost: fetch pages of 100 and delete them by id.
 * 4. What a commit costs the event loop: commitSends batches of 100 sends
 *    with synchronous=FULL, on one connection in this thread
 *    (SqliteConnectionStore, the relay before issue 14) and through the
 *    writer thread (SqliteRelayStore): event-loop busy time per envelope
 *    (performance.eventLoopUtilization), envelopes/s, and the p99 of the
 *    event loop's delay meanwhile (monitorEventLoopDelay).
 *
 * Run: cd relay-server && node --conditions=source --import tsx test/storage/store-bench.ts
 * (`--event-loop-only`: only 4).
 * Runs are interleaved so that drifting disk latency hits every variant alike;
 * the disk's fsync latency dominates 2.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import type { NewEnvelope, NewSend, RelayStore } from '../../src/storage/relay-store.js';
import { SqliteConnectionStore } from '../../src/storage/sqlite-connection-store.js';
import type { SqliteSynchronousLevel } from '../../src/storage/sqlite-durability.js';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import { NOW, newEnvelope, newIdentity } from './store-fixtures.js';

const CONTENT_BYTES = 600;
const RUNS = 5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function withFolder<T>(work: (folder: string) => Promise<T>): Promise<T> {
  const folder = await mkdtemp(join(tmpdir(), 'parley-store-bench-'));
  try {
    return await work(folder);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

type ContentColumn = 'BLOB' | 'TEXT';

interface ContentTable {
  /** Inserts one batch in one transaction; returns the milliseconds it took. */
  insertBatch(batch: readonly string[]): number;
  /** Reads every queue back (base64 text, as the relay hands it on); returns [envelopes, milliseconds]. */
  fetchAll(): readonly [number, number];
  megabytes(): number;
  close(): void;
}

/** The envelopes table as in the schema, with content stored as `column`. */
function openContentTable(file: string, column: ContentColumn, synchronous: 'OFF' | 'FULL'): ContentTable {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous}`);
  db.exec(`CREATE TABLE envelopes (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    recipient TEXT NOT NULL, device_id INTEGER NOT NULL, content ${column} NOT NULL, expires_at INTEGER NOT NULL) STRICT;
    CREATE INDEX envelopes_by_queue ON envelopes (recipient, device_id, seq);
    CREATE INDEX envelopes_by_expiry ON envelopes (expires_at);`);
  const recipients = Array.from({ length: 200 }, () => newIdentity().accountId);
  const insert = db.prepare<[string, string, number, Buffer | string, number]>(
    'INSERT INTO envelopes (id, recipient, device_id, content, expires_at) VALUES (?, ?, ?, ?, ?)',
  );
  const toColumn =
    column === 'BLOB' ? (content: string) => Buffer.from(content, 'base64') : (content: string) => content;
  let inserted = 0;
  const insertAll = db.transaction((batch: readonly string[]) => {
    for (const content of batch) {
      insert.run(randomUUID(), recipients[inserted++ % recipients.length] ?? '', 1, toColumn(content), 9e15);
    }
  });
  const select = db.prepare<[string], { content: Buffer | string }>(
    'SELECT seq, id, content FROM envelopes WHERE recipient = ? AND device_id = 1 AND seq > 0 AND expires_at > 0 ORDER BY seq LIMIT 100',
  );
  return {
    insertBatch(batch) {
      const started = performance.now();
      insertAll.immediate(batch);
      return performance.now() - started;
    },
    fetchAll() {
      let fetched = 0;
      const started = performance.now();
      for (const recipient of recipients) {
        for (const row of select.all(recipient)) {
          const text = typeof row.content === 'string' ? row.content : row.content.toString('base64');
          fetched += text.length > 0 ? 1 : 0;
        }
      }
      return [fetched, performance.now() - started];
    },
    megabytes() {
      db.pragma('wal_checkpoint(TRUNCATE)');
      return (
        (Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }))) / 1e6
      );
    },
    close() {
      db.close();
    },
  };
}

/**
 * Both tables side by side, batches alternating between them, so that both
 * see the same disk conditions (fsync latency drifts on a shared machine).
 */
async function benchContent(): Promise<void> {
  const total = 20_000;
  const contents = Array.from({ length: total }, () => randomBytes(CONTENT_BYTES).toString('base64'));
  for (const synchronous of ['OFF', 'FULL'] as const) {
    await withFolder(async (folder) => {
      const tables = {
        TEXT: openContentTable(join(folder, 'text.sqlite'), 'TEXT', synchronous),
        BLOB: openContentTable(join(folder, 'blob.sqlite'), 'BLOB', synchronous),
      };
      const insertMs = { TEXT: 0, BLOB: 0 };
      for (let offset = 0; offset < total; offset += 50) {
        const batch = contents.slice(offset, offset + 50);
        const order: ContentColumn[] = offset % 100 === 0 ? ['TEXT', 'BLOB'] : ['BLOB', 'TEXT'];
        for (const column of order) insertMs[column] += tables[column].insertBatch(batch);
      }
      const what = synchronous === 'OFF' ? 'CPU cost, no fsync' : 'with an fsync per commit';
      console.log(
        `\n1. content as BLOB vs TEXT: ${total} ${CONTENT_BYTES}-byte envelopes, 50 per commit, synchronous=${synchronous} (${what})`,
      );
      for (const column of ['TEXT', 'BLOB'] as const) {
        const fetchRuns = Array.from({ length: RUNS }, () => tables[column].fetchAll());
        const fetchMicros = median(fetchRuns.map(([count, ms]) => (ms * 1000) / count));
        const insertMicros = (insertMs[column] * 1000) / total;
        console.log(
          `   ${column}: insert ${insertMicros.toFixed(1)} µs/envelope (${(1e6 / insertMicros).toFixed(0)}/s), ` +
            `fetch ${fetchMicros.toFixed(2)} µs/envelope, database ${tables[column].megabytes().toFixed(1)} MB`,
        );
        tables[column].close();
      }
    });
  }
}

async function insertRate(synchronous: SqliteSynchronousLevel, batchSize: number, total: number): Promise<number> {
  return withFolder(async (dataDir) => {
    const store = new SqliteRelayStore({ dataDir, synchronous });
    await store.init();
    const recipients = Array.from({ length: 100 }, () => newIdentity().accountId);
    const envelopes: NewEnvelope[] = Array.from({ length: total }, (_, index) =>
      newEnvelope(recipients[index % recipients.length] ?? recipients[0] ?? newIdentity().accountId),
    );
    const started = performance.now();
    for (let offset = 0; offset < total; offset += batchSize) {
      await store.insertEnvelopes(envelopes.slice(offset, offset + batchSize));
    }
    const rate = total / ((performance.now() - started) / 1000);
    await store.close();
    return rate;
  });
}

async function benchInsertBatches(): Promise<void> {
  const configurations = (['FULL', 'NORMAL'] as const).flatMap((synchronous) =>
    [1, 10, 50, 200].map((batchSize) => ({ synchronous, batchSize, rates: [] as number[] })),
  );
  // Round-robin over the configurations, so that each sees the same drift in disk latency.
  for (let run = 0; run < RUNS; run++) {
    for (const configuration of configurations) {
      const total = configuration.batchSize === 1 ? 1000 : 10_000;
      configuration.rates.push(await insertRate(configuration.synchronous, configuration.batchSize, total));
    }
  }
  console.log(`\n2. insertEnvelopes throughput by batch size (${CONTENT_BYTES}-byte envelopes, median of ${RUNS})`);
  for (const { synchronous, batchSize, rates } of configurations) {
    console.log(
      `   synchronous=${synchronous.padEnd(6)} batch ${String(batchSize).padStart(3)}: ${median(rates).toFixed(0)} envelopes/s`,
    );
  }
}

async function benchDrain(): Promise<void> {
  await withFolder(async (dataDir) => {
    const store = new SqliteRelayStore({ dataDir });
    await store.init();
    const recipient = newIdentity().accountId;
    const total = 20_000;
    for (let offset = 0; offset < total; offset += 500) {
      await store.insertEnvelopes(Array.from({ length: 500 }, () => newEnvelope(recipient)));
    }
    const started = performance.now();
    let cursor = 0;
    let drained = 0;
    for (;;) {
      const page = await store.fetchEnvelopes(recipient, 1, cursor, 100, NOW);
      if (page.length === 0) break;
      drained += page.length;
      cursor = page[page.length - 1]?.seq ?? cursor;
      await store.deleteEnvelopes(
        recipient,
        1,
        page.map((envelope) => envelope.id),
      );
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\n3. drain of one device's ${total} queued envelopes (pages of 100, each deleted as acked, FULL): ${(drained / seconds).toFixed(0)} envelopes/s`,
    );
    await store.close();
  });
}

interface LoopCost {
  readonly loopMicrosPerEnvelope: number;
  readonly envelopesPerSecond: number;
  /** The 99th percentile of how late a 1 ms timer ran meanwhile (what a socket waits for the loop). */
  readonly loopDelayP99Ms: number;
}

async function commitLoopCost(open: (dataDir: string) => RelayStore, batches: number): Promise<LoopCost> {
  return withFolder(async (dataDir) => {
    const store = open(dataDir);
    await store.init();
    const recipients = Array.from({ length: 100 }, () => newIdentity().accountId);
    const limits = { maxQueueEnvelopes: 1e6, maxQueueBytes: 1e12, dailySendBytes: 1e12, now: NOW };
    const batchOf = (): NewSend[] =>
      recipients.map((recipient) => ({ sender: null, envelopes: [newEnvelope(recipient)] }));
    const prepared = Array.from({ length: batches }, batchOf);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    const loopBefore = performance.eventLoopUtilization();
    const started = performance.now();
    delay.enable();
    for (const batch of prepared) {
      await store.commitSends(batch, limits);
      // As the relay's committer does: the next batch starts from a new turn, so timers and sockets get theirs.
      await new Promise((resolve) => setImmediate(resolve));
    }
    delay.disable();
    const seconds = (performance.now() - started) / 1000;
    const loop = performance.eventLoopUtilization(loopBefore);
    await store.close();
    const envelopes = batches * recipients.length;
    return {
      loopMicrosPerEnvelope: (loop.active * 1000) / envelopes,
      envelopesPerSecond: envelopes / seconds,
      loopDelayP99Ms: delay.percentile(99) / 1e6,
    };
  });
}

async function benchEventLoopCost(): Promise<{ inThread: LoopCost; writerThread: LoopCost }> {
  const variants = {
    inThread: { open: (dataDir: string) => new SqliteConnectionStore({ dataDir }), costs: [] as LoopCost[] },
    writerThread: { open: (dataDir: string) => new SqliteRelayStore({ dataDir }), costs: [] as LoopCost[] },
  };
  for (let run = 0; run < RUNS; run++) {
    for (const variant of Object.values(variants)) variant.costs.push(await commitLoopCost(variant.open, 100));
  }
  const summary = (costs: readonly LoopCost[]): LoopCost => ({
    loopMicrosPerEnvelope: median(costs.map((cost) => cost.loopMicrosPerEnvelope)),
    envelopesPerSecond: median(costs.map((cost) => cost.envelopesPerSecond)),
    loopDelayP99Ms: median(costs.map((cost) => cost.loopDelayP99Ms)),
  });
  const result = { inThread: summary(variants.inThread.costs), writerThread: summary(variants.writerThread.costs) };
  console.log(`\n4. commitSends, batches of 100 sends, synchronous=FULL (median of ${RUNS}):`);
  for (const [name, cost] of Object.entries(result)) {
    console.log(
      `   ${name.padEnd(12)}: event loop busy ${cost.loopMicrosPerEnvelope.toFixed(1)} µs per envelope, ${cost.envelopesPerSecond.toFixed(0)} envelopes/s, loop delay p99 ${cost.loopDelayP99Ms.toFixed(1)} ms`,
    );
  }
  return result;
}

if (!process.argv.includes('--event-loop-only')) {
  await benchContent();
  await benchInsertBatches();
  await benchDrain();
}
const eventLoop = await benchEventLoopCost();
console.log(JSON.stringify({ bench: 'sqlite-store', eventLoop }));
