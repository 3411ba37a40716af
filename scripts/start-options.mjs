// `npm start`'s command line and environment, parsed: what start.mjs acts on.
// Flags win over their environment variables. Parsing only: nothing here
// starts anything or touches the disk.
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const HELP = `Usage: npm start [-- options]

Starts a local relay (embedded SQLite) and the Parley desktop app connected
to it; with --relay, the app alone, against a relay that runs elsewhere.
Where no Electron runtime exists, the web shell instead, and prints the URL
to open. Ctrl+C stops everything.

Options:
  --relay URL      use this relay (http:// or https://) and start no local one
  --profile DIR    this person's data folder instead of ./.data (relay/,
                   electron/, profile/), for a second user on one computer
  --port N         web shell port (default 7448; with --profile, a free port
                   picked on its first start and kept in DIR/web-shell-port)
  -h, --help       show this help

Environment (a flag wins over its variable):
  PARLEY_RELAY_URL       as --relay
  PARLEY_DATA_DIR        as --profile (default ./.data)
  PARLEY_WEB_SHELL_PORT  as --port
  PARLEY_RELAY_PORT      the local relay's port on 127.0.0.1 (default 7447)
  PARLEY_SHELL=web       the web shell even where Electron exists
  PARLEY_RENDERER_DIR    serve another renderer build
  PARLEY_ELECTRON        the Electron binary to run instead of the electron package's
  PARLEY_BROWSER         a Chromium-family browser to open the web shell's page in

Two people on one computer, sharing the first one's relay:
  npm start
  npm start -- --relay http://127.0.0.1:7447 --profile .data/second`;

/** The fixed web shell port of the default data folder: the page's origin (and its IndexedDB) stays the same. */
export const DEFAULT_WEB_SHELL_PORT = 7448;

/** A problem with the command line or the environment: start.mjs prints it as one line and exits 2. */
export class StartUsageError extends Error {}

/**
 * The relay URL in the canonical form the app and contact codes use
 * (protocol, host, path without trailing slashes), as crypto-core's
 * normalizeRelayUrl makes it; throws StartUsageError naming `source`.
 */
export function relayUrlFrom(text, source) {
  let url;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  const problem =
    url === null
      ? 'is not a URL'
      : url.protocol !== 'http:' && url.protocol !== 'https:'
        ? 'must start with http:// or https://'
        : url.username !== '' || url.password !== ''
          ? 'must not carry a user name or password'
          : url.search !== '' || url.hash !== ''
            ? 'must not have a query or fragment'
            : null;
  if (problem !== null) {
    throw new StartUsageError(`${source} ${problem}: ${JSON.stringify(text)} (e.g. https://relay.example.org)`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function portFrom(text, source) {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535) {
    throw new StartUsageError(`${source} must be a port number from 0 to 65535, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/**
 * `baseDir` resolves a relative --profile: where the user typed the command
 * (npm's INIT_CWD), not the repository root npm runs the script in.
 * Returns `{ help: true }` or the options; throws StartUsageError.
 */
export function parseStartOptions(argv, env, { root, baseDir }) {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        relay: { type: 'string' },
        profile: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    // Node's message names the flag ("Unknown option '--colour'. ..."): its first sentence is the line.
    throw new StartUsageError(error.message.split('. ')[0]);
  }
  if (values.help) return { help: true };

  const relayText = values.relay ?? env.PARLEY_RELAY_URL;
  const relayUrl =
    relayText === undefined || relayText === ''
      ? null
      : relayUrlFrom(relayText, values.relay === undefined ? 'PARLEY_RELAY_URL' : '--relay');

  if (values.profile === '') throw new StartUsageError('--profile needs a folder');
  const defaultDataDir = join(root, '.data');
  const dataDir =
    values.profile !== undefined
      ? isAbsolute(values.profile)
        ? values.profile
        : resolve(baseDir, values.profile)
      : resolve(env.PARLEY_DATA_DIR ?? defaultDataDir);

  const portText = values.port ?? env.PARLEY_WEB_SHELL_PORT;
  const webShellPort =
    portText === undefined || portText === ''
      ? null
      : portFrom(portText, values.port === undefined ? 'PARLEY_WEB_SHELL_PORT' : '--port');

  return {
    help: false,
    relayUrl,
    dataDir,
    /** Not the default folder: the web shell's port, when not set, is chosen once and kept in the folder. */
    keepsOwnPort: dataDir !== defaultDataDir,
    webShellPort,
    relayPort: env.PARLEY_RELAY_PORT ?? '7447',
  };
}
