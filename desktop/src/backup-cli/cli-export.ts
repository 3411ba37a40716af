/**
 * `npm run backup -- export --profile DIR --out FILE [--no-identity]`: the
 * app's own export, run from a terminal. The history is in the browser's
 * IndexedDB for the web shell's origin, so this command:
 *
 *   1. opens the profile's vault (its passphrase from a prompt or a file),
 *      begins the export in Node (the backup passphrase never reaches a page),
 *   2. builds the export page (app/backup/task) with Vite into a temporary
 *      folder and serves it with the web shell on the profile's port (default
 *      7448, as `npm start`; the origin must match for IndexedDB),
 *   3. opens it in headless Chromium with the browser data in
 *      DIR/browser-data, and the page streams the history into the export.
 *
 * It therefore finds the history only when the app ran in Chromium with that
 * same browser data folder and port; otherwise it stops with NO_HISTORY and
 * removes the unfinished file. The app must not be running (one vault per
 * profile).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBackupPassphrase } from '@parley/crypto-core';
import { chromium } from '@playwright/test';
import { DEFAULT_CHROMIUM_PATH, HEADLESS_CHROMIUM_ARGS } from '../host/headless-chromium.js';
import { BACKUP_FILE_EXTENSION } from '../vault/backup/vault-backups.js';
import { Vault } from '../vault/index.js';
import { startWebShell } from '../web-shell/web-shell.js';
import { CliError, passphraseFromFile, promptHidden } from './terminal.js';

const TASK_PAGE_DIR = fileURLToPath(new URL('../renderer/app/backup/task/', import.meta.url));
export const DEFAULT_BROWSER = DEFAULT_CHROMIUM_PATH;
export const DEFAULT_WEB_SHELL_PORT = 7448;

/** What the export page (app/backup/task/export-task.ts) puts on its window. */
interface TaskScope {
  parleyBackupTask?: {
    run(
      exportId: string,
    ): Promise<{ path: string; bytes: number; counts: { messages: number; contacts: number; conversations: number } }>;
  };
}

export interface ExportOptions {
  readonly profile: string;
  readonly out: string;
  readonly includeIdentity: boolean;
  readonly port: number;
  readonly browser: string;
  readonly passphraseFile?: string | undefined;
  readonly vaultPassphraseFile?: string | undefined;
}

/** The export page, built like the app (source conditions, zod without eval) into `outDir`. */
async function buildTaskPage(outDir: string): Promise<void> {
  const { build, defaultClientConditions } = await import('vite');
  await build({
    configFile: false,
    logLevel: 'warn',
    root: TASK_PAGE_DIR,
    base: './',
    resolve: { conditions: ['source', ...defaultClientConditions] },
    build: { outDir, emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0 },
  });
}

async function backupPassphrase(options: ExportOptions): Promise<string> {
  if (options.passphraseFile !== undefined) return passphraseFromFile(options.passphraseFile);
  const chosen = await promptHidden('Backup passphrase (Enter for a generated one): ');
  if (chosen === '') {
    const generated = generateBackupPassphrase();
    process.stderr.write(`Your backup passphrase, shown only now:\n\n    ${generated}\n\n`);
    return generated;
  }
  if ((await promptHidden('Repeat it: ')) !== chosen) throw new CliError("the two passphrases don't match");
  return chosen;
}

export async function exportCommand(options: ExportOptions): Promise<string[]> {
  const fileName = basename(options.out).endsWith(BACKUP_FILE_EXTENSION)
    ? basename(options.out)
    : `${basename(options.out)}${BACKUP_FILE_EXTENSION}`;
  const vault = new Vault({
    profileDir: options.profile,
    keyProtection: 'passphrase',
    backupDir: dirname(options.out),
  });
  if ((await vault.getStatus({})).state === 'no-identity') throw new CliError(`${options.profile} holds no identity`);
  const vaultPassphrase =
    options.vaultPassphraseFile === undefined
      ? await promptHidden('Passphrase of this profile: ')
      : passphraseFromFile(options.vaultPassphraseFile);
  await vault.unlock({ passphrase: vaultPassphrase });
  const passphrase = await backupPassphrase(options);
  const work = mkdtempSync(join(tmpdir(), 'parley-backup-export-'));
  let exportId: string | null = null;
  try {
    process.stderr.write('Preparing the export page…\n');
    await buildTaskPage(join(work, 'page'));
    ({ exportId } = await vault.backupExportBegin({ passphrase, includeIdentity: options.includeIdentity, fileName }));
    let written = 0;
    // Progress from the vault's side: every batch the page writes passes here.
    const watched = new Proxy(vault, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== 'backupExportWrite' || typeof value !== 'function') {
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (args: Parameters<Vault['backupExportWrite']>[0]) => {
          const answer = await target.backupExportWrite(args);
          written = answer.records;
          if (process.stderr.isTTY) process.stderr.write(`\rExporting: ${written} records`);
          return answer;
        };
      },
    });
    const shell = await startWebShell({ vault: watched, rendererDir: join(work, 'page'), port: options.port });
    const context = await chromium.launchPersistentContext(join(options.profile, 'browser-data'), {
      executablePath: options.browser,
      args: [...HEADLESS_CHROMIUM_ARGS],
      headless: true,
    });
    try {
      const page = await context.newPage();
      await page.goto(shell.url);
      await page.waitForFunction(() => (globalThis as TaskScope).parleyBackupTask !== undefined);
      const id = exportId;
      const result = await page.evaluate((task) => {
        const runner = (globalThis as TaskScope).parleyBackupTask;
        if (runner === undefined) throw new Error('the export page did not load');
        return runner.run(task);
      }, id);
      exportId = null;
      process.stderr.write(`\rExporting: ${written} records, done\n`);
      return [
        `Wrote ${result.path} (${result.bytes} bytes): ${result.counts.messages} messages, ${result.counts.contacts} contacts,`,
        `${result.counts.conversations} conversations; identity ${options.includeIdentity ? 'included' : 'not included'}.`,
      ];
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message.includes('NO_HISTORY')) {
        throw new CliError(
          `no history for this account in ${join(options.profile, 'browser-data')} at port ${options.port}; export from the app instead (Settings → Backups)`,
        );
      }
      throw error;
    } finally {
      await context.close();
      await shell.close();
    }
  } finally {
    if (exportId !== null) await vault.backupExportAbort({ exportId });
    await vault.lock({});
    rmSync(work, { recursive: true, force: true });
  }
}
