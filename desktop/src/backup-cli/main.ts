/**
 * `npm run backup -- <command>`: Parley's backup tool for a terminal.
 *
 *   verify FILE [--passphrase-file F]            check every chunk and the end of the stream; import nothing
 *   inspect FILE [--passphrase-file F]           print what the backup holds (counts, dates, versions), no secrets
 *   restore FILE --profile DIR [--passphrase-file F] [--vault-passphrase-file F]
 *                                                restore into a fresh web-shell profile folder
 *   export-readable FILE --out DIR [--conversation ID] [--passphrase-file F]
 *                                                HTML + JSON copy of the history, outside any app
 *   export --profile DIR --out FILE [--no-identity] [--port N] [--browser PATH]
 *          [--passphrase-file F] [--vault-passphrase-file F]
 *                                                the app's export, run in headless Chromium (cli-export.ts)
 *
 * Passphrases come from a prompt without echo, or from the first line of a
 * file; never from a command-line value. Paths are relative to the folder
 * npm was run from.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ParleyCryptoError } from '@parley/crypto-core';
import { VaultError } from '../common/dispatch.js';
import { DEFAULT_BROWSER, DEFAULT_WEB_SHELL_PORT, exportCommand } from './cli-export.js';
import { exportReadableCommand, inspectCommand, restoreCommand, verifyCommand } from './commands.js';
import { CliError, UsageError } from './terminal.js';

const USAGE = `usage: npm run backup -- <command> FILE [options]
  verify FILE [--passphrase-file F]
  inspect FILE [--passphrase-file F]
  restore FILE --profile DIR [--passphrase-file F] [--vault-passphrase-file F]
  export-readable FILE --out DIR [--conversation ID] [--passphrase-file F]
  export --profile DIR --out FILE [--no-identity] [--port N] [--browser PATH] [--passphrase-file F] [--vault-passphrase-file F]`;

const SENTENCES: Readonly<Record<string, string>> = {
  BAD_PASSPHRASE: 'wrong passphrase: it does not open this backup',
  CORRUPT_BACKUP: 'the backup is damaged or incomplete (truncated, altered, or a part is missing)',
  UNSUPPORTED_BACKUP: 'not a Parley backup, or made by a newer version of Parley',
  IDENTITY_EXISTS: 'the profile already holds an identity; restore into an empty profile folder',
  STORAGE: 'a file could not be read or written',
};

const here = process.env.INIT_CWD ?? process.cwd();

function parse(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'passphrase-file': { type: 'string' },
        'vault-passphrase-file': { type: 'string' },
        profile: { type: 'string' },
        out: { type: 'string' },
        conversation: { type: 'string' },
        'no-identity': { type: 'boolean' },
        port: { type: 'string' },
        browser: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    // Node's messages name the flag ("Unknown option '--colour'. ..."): the first sentence is the line.
    const message = error instanceof Error ? (error.message.split('. ')[0] ?? error.message) : String(error);
    throw new UsageError(`${message} (npm run backup -- --help lists the options)`);
  }
}

async function run(argv: readonly string[]): Promise<string[]> {
  const { positionals, values } = parse(argv);
  const [command, file] = positionals;
  if (values.help === true || command === undefined) return [USAGE];
  const passphraseFile = values['passphrase-file'] === undefined ? undefined : resolve(here, values['passphrase-file']);
  const vaultFile = values['vault-passphrase-file'];
  const vaultPassphraseFile = vaultFile === undefined ? undefined : resolve(here, vaultFile);
  if (command === 'export') {
    if (values.profile === undefined || values.out === undefined)
      throw new CliError(`export needs --profile DIR and --out FILE\n${USAGE}`);
    const port = Number(values.port ?? DEFAULT_WEB_SHELL_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new CliError('--port must be a port number');
    return exportCommand({
      profile: resolve(here, values.profile),
      out: resolve(here, values.out),
      includeIdentity: values['no-identity'] !== true,
      port,
      browser: values.browser ?? DEFAULT_BROWSER,
      passphraseFile,
      vaultPassphraseFile,
    });
  }
  if (file === undefined) throw new CliError(`${command} needs a backup FILE\n${USAGE}`);
  const path = resolve(here, file);
  switch (command) {
    case 'verify':
      return verifyCommand(path, { passphraseFile });
    case 'inspect':
      return inspectCommand(path, { passphraseFile });
    case 'restore': {
      if (values.profile === undefined) throw new CliError(`restore needs --profile DIR\n${USAGE}`);
      return restoreCommand(path, { passphraseFile, profile: resolve(here, values.profile), vaultPassphraseFile });
    }
    case 'export-readable':
      if (values.out === undefined) throw new CliError(`export-readable needs --out DIR\n${USAGE}`);
      return exportReadableCommand(path, {
        passphraseFile,
        out: resolve(here, values.out),
        conversation: values.conversation,
      });
    default:
      throw new UsageError(`unknown command ${command} (npm run backup -- --help lists the commands)`);
  }
}

function failureLine(error: unknown): string {
  if (error instanceof CliError) return error.message;
  if (ParleyCryptoError.is(error) || VaultError.is(error)) return SENTENCES[error.code] ?? error.message;
  if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return 'no such file';
  return error instanceof Error ? error.message : String(error);
}

try {
  const lines = await run(process.argv.slice(2));
  process.stdout.write(`${lines.join('\n')}\n`);
} catch (error) {
  process.stderr.write(`backup: ${failureLine(error)}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
