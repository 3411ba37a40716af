/**
 * Child process for the crash test: inserts envelope batches in a loop, as
 * the relay's committer does, and prints each batch's ids once
 * `insertEnvelopes` has resolved and before the next batch starts. The
 * parent kills it with SIGKILL at a random moment; every id it printed must
 * be in the database afterwards.
 *
 * Usage: child-envelope-writer.ts <dataDir> <recipientAccountId> <FULL|NORMAL>
 */

import { parseAccountId } from '@parley/crypto-core/wire';
import { parseSqliteSynchronous } from '../../src/storage/sqlite-durability.js';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import { newEnvelope } from './store-fixtures.js';

const [dataDir, recipientText, synchronousText] = process.argv.slice(2);
if (dataDir === undefined || recipientText === undefined || synchronousText === undefined) {
  throw new Error('usage: child-envelope-writer.ts <dataDir> <recipientAccountId> <FULL|NORMAL>');
}
const recipient = parseAccountId(recipientText);
const store = new SqliteRelayStore({ dataDir, synchronous: parseSqliteSynchronous(synchronousText) });
await store.init();
process.stdout.write('READY\n');
for (let batch = 0; ; batch++) {
  // 1..50 envelopes per batch, like a busy event-loop tick.
  const envelopes = Array.from({ length: 1 + ((batch * 7) % 50) }, () => newEnvelope(recipient));
  await store.insertEnvelopes(envelopes);
  process.stdout.write(`COMMITTED ${envelopes.map((envelope) => envelope.id).join(',')}\n`);
}
