/**
 * Child process for the multi-process limit test: opens the database, says
 * READY, waits for GO on stdin, then commits one-envelope sends to one
 * device under a queue cap, one call at a time with short random pauses, and
 * prints how many were stored as one line.
 *
 * Usage: child-send-committer.ts <dataDir> <recipientAccountId> <sends> <maxQueueEnvelopes>
 */
import { parseAccountId } from '@parley/crypto-core/wire';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import { readyThenGo } from './child-start.js';
import { NOW, newEnvelope, newIdentity } from './store-fixtures.js';

const [dataDir, recipientText, sendsText, capText] = process.argv.slice(2);
if (dataDir === undefined || recipientText === undefined || sendsText === undefined || capText === undefined) {
  throw new Error('usage: child-send-committer.ts <dataDir> <recipientAccountId> <sends> <maxQueueEnvelopes>');
}
const recipient = parseAccountId(recipientText);
const sender = newIdentity().accountId;
const limits = { maxQueueEnvelopes: Number(capText), maxQueueBytes: 1e9, dailySendBytes: 1e9, now: NOW };
const store = new SqliteRelayStore({ dataDir });
await store.init();
await readyThenGo();

let stored = 0;
for (let index = 0; index < Number(sendsText); index++) {
  const [outcome] = await store.commitSends([{ sender, envelopes: [newEnvelope(recipient)] }], limits);
  if (outcome?.ok) stored++;
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 2));
}
await store.close();
process.stdout.write(`STORED ${stored}\n`);
