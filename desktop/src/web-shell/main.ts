/**
 * CLI entry of the web shell: one vault (one profile folder) behind one
 * loopback web server, until SIGINT or SIGTERM. Run from the sources with
 * `npm run web-shell -w desktop -- --profile DIR [--relay URL]`.
 *
 * Exit codes: 0 after a clean stop, 1 when it cannot start, 2 on a usage error.
 */
import { fileURLToPath } from 'node:url';
import type { VaultApi } from '../common/vault-api.js';
import { profileBackupDir } from '../host/backup-folder.js';
import { parseCliArgs, USAGE, type WebShellCliOptions } from './cli-args.js';
import { checkStartOptions, type RunningWebShell, startWebShell, WebShellStartError } from './web-shell.js';

/** desktop/dist/renderer, from src/web-shell/main.ts and from a built dist/web-shell/main.js alike. */
const DEFAULT_RENDERER_DIR = fileURLToPath(new URL('../../dist/renderer/', import.meta.url));

function log(line: string): void {
  process.stderr.write(`[web-shell] ${line}\n`);
}

async function start(options: WebShellCliOptions): Promise<{ shell: RunningWebShell; vault: VaultApi }> {
  const shellOptions = {
    host: options.host,
    port: options.port,
    relayUrls: options.relayUrls,
    rendererDir: options.rendererDir ?? DEFAULT_RENDERER_DIR,
    log,
  };
  // Refuse a bad command line before the vault creates the profile folder.
  await checkStartOptions(shellOptions);
  // Loaded only now: the vault pulls in libsignal, which takes a moment.
  const { Vault } = await import('../vault/index.js');
  // No OS keychain here: the vault key is derived from the passphrase the user types into the page.
  const vault = new Vault({
    profileDir: options.profileDir,
    keyProtection: 'passphrase',
    backupDir: profileBackupDir(options.profileDir),
  });
  return { shell: await startWebShell({ ...shellOptions, vault }), vault };
}

function nextStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

async function main(argv: readonly string[]): Promise<number> {
  // npm runs workspace scripts in desktop/; INIT_CWD is where the user typed the command.
  const parsed = parseCliArgs(argv, process.env.INIT_CWD ?? process.cwd());
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'usage-error') {
    process.stderr.write(`web shell: ${parsed.message} (--help lists the options)\n`);
    return 2;
  }
  const { options } = parsed;

  let running: Awaited<ReturnType<typeof start>>;
  try {
    running = await start(options);
  } catch (error) {
    if (!WebShellStartError.is(error)) throw error;
    process.stderr.write(`web shell: ${error.message}\n`);
    return 1;
  }
  const { shell, vault } = running;
  log(`profile ${options.profileDir}`);
  log(options.relayUrls.length > 0 ? `relays ${options.relayUrls.join(', ')}` : 'no relay configured (--relay URL)');
  process.stdout.write(`Open ${shell.url}\n`);

  const signal = await nextStopSignal();
  log(`${signal}: stopping`);
  // A second signal while draining means "now".
  void nextStopSignal().then(() => process.exit(130));
  await shell.close();
  // Locking closes the vault's database and drops the keys from memory.
  await vault.lock({});
  log('stopped');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `web shell failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
