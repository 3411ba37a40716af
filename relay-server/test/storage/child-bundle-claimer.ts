/**
 * Child process for the multi-process claim test: opens the database, says
 * READY, waits for GO on stdin (so that several children start together),
 * claims bundles for one device with short random pauses between claims,
 * and prints what it got as one JSON line.
 *
 * Usage: child-bundle-claimer.ts <dataDir> <accountId> <claims>
 */
import { parseAccountId } from '@parley/crypto-core/wire';
import { SqliteRelayStore } from '../../src/storage/sqlite-store.js';
import { readyThenGo } from './child-start.js';

export interface ClaimReport {
  /** One-time EC prekey ids received (null: none was left). */
  readonly preKeyIds: (number | null)[];
  /** One-time Kyber prekey ids received (null: the last-resort key). */
  readonly kyberPreKeyIds: (number | null)[];
}

const [dataDir, accountText, claimsText] = process.argv.slice(2);
if (dataDir === undefined || accountText === undefined || claimsText === undefined) {
  throw new Error('usage: child-bundle-claimer.ts <dataDir> <accountId> <claims>');
}
const accountId = parseAccountId(accountText);
const store = new SqliteRelayStore({ dataDir });
await store.init();
await readyThenGo();

const report: ClaimReport = { preKeyIds: [], kyberPreKeyIds: [] };
for (let claim = 0; claim < Number(claimsText); claim++) {
  const bundle = await store.claimBundle(accountId, 1);
  if (bundle === null) throw new Error('the device vanished');
  report.preKeyIds.push(bundle.preKey?.keyId ?? null);
  report.kyberPreKeyIds.push(bundle.kyberPreKeyIsLastResort ? null : bundle.kyberPreKey.keyId);
  // A short random pause, as between real requests: SQLite's lock is not
  // fair, and a process re-taking it at once could starve the other.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
}
await store.close();
process.stdout.write(`RESULT ${JSON.stringify(report)}\n`);
