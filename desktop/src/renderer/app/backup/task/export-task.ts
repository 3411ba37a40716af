/**
 * The page `npm run backup -- export` opens in headless Chromium: the history
 * lives in this origin's IndexedDB, so only a page can read it. The CLI has
 * already unlocked the vault and begun the export (the passphrase never
 * reaches this page); this page streams the history into that export, exactly
 * as Settings → Backups does, and finishes it. Driven through
 * `window.parleyBackupTask` by Playwright.
 */
import '../../zod-without-eval.js';
import { createVaultClient, unwrap } from '../../../../common/invoke.js';
import { dataKeyFrom, hasHistory, openProfileDatabase } from '../../../engine/at-rest/open-database.js';
import type { BackupExportResult } from '../../../engine/backup/backup-export.js';
import { writeHistoryInto } from '../../../engine/backup/backup-export.js';
import { VaultGateway } from '../../../engine/vault-calls.js';
import { selectTransport } from '../../../transport/select-transport.js';
import { WebSocketTransport } from '../../../transport/web-socket-transport.js';

export interface BackupTask {
  run(exportId: string): Promise<BackupExportResult>;
}

declare global {
  interface Window {
    parleyBackupTask?: BackupTask;
  }
}

async function run(exportId: string): Promise<BackupExportResult> {
  const transport = selectTransport();
  if (transport instanceof WebSocketTransport) await transport.connect();
  const client = createVaultClient(transport);
  const status = unwrap(await client.invoke('getStatus', {}));
  if (status.account === null) throw new Error('the vault has no unlocked account');
  const gateway = new VaultGateway(client);
  const dataKey = await dataKeyFrom(gateway);
  // Opening a database that does not exist would create an empty one and export nothing.
  if (!(await hasHistory(dataKey, status.account.accountId))) {
    throw new Error('NO_HISTORY: this browser data holds no history for the account');
  }
  const db = await openProfileDatabase(dataKey, status.account.accountId);
  try {
    return await writeHistoryInto(gateway, db, exportId, null, () => undefined);
  } finally {
    db.close();
  }
}

window.parleyBackupTask = { run };
