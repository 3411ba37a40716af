/**
 * The web shell's command line. Parsing only: main.ts acts on the result.
 * There is deliberately no way to pass the passphrase here (it would land in
 * shell history and `ps`): the user types it into the page.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run web-shell -w desktop -- --profile DIR [options]

Serves the Parley app to a browser on this machine and hosts the key vault of
one profile. Prints the URL to open; it carries a per-launch token.

Options:
  --profile DIR    profile folder of the vault (created if missing; required)
  --port N         port on 127.0.0.1 (default 0: a free port)
  --relay URL      relay the app may use; repeat for several, the first is the
                   default offered to the user (the page's CSP allows exactly these)
  --renderer DIR   built renderer to serve (default: desktop/dist/renderer)
  --host 127.0.0.1 the only accepted value: the shell never listens elsewhere
  -h, --help       show this help`;

export interface WebShellCliOptions {
  readonly profileDir: string;
  readonly port: number;
  readonly relayUrls: readonly string[];
  readonly rendererDir: string | null;
  readonly host: string;
}

export type CliParse =
  | { readonly kind: 'run'; readonly options: WebShellCliOptions }
  | { readonly kind: 'help' }
  | { readonly kind: 'usage-error'; readonly message: string };

function parsePort(text: string | undefined): number | null {
  if (text === undefined) return 0;
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65_535 ? port : null;
}

/**
 * `baseDir` resolves relative paths: the folder the user typed the command
 * in, which under `npm run -w desktop` is INIT_CWD, not desktop/.
 */
export function parseCliArgs(argv: readonly string[], baseDir: string = process.cwd()): CliParse {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    // Node's message names the flag, then advises at length: its first sentence is the line.
    const message = error instanceof Error ? (error.message.split('. ')[0] ?? error.message) : String(error);
    return { kind: 'usage-error', message };
  }
  if (values.help) return { kind: 'help' };
  if (values.profile === undefined || values.profile === '') {
    return { kind: 'usage-error', message: '--profile DIR is required' };
  }
  const port = parsePort(values.port);
  if (port === null) return { kind: 'usage-error', message: `--port must be an integer from 0 to 65535` };
  return {
    kind: 'run',
    options: {
      profileDir: resolve(baseDir, values.profile),
      port,
      relayUrls: values.relay ?? [],
      rendererDir: values.renderer === undefined ? null : resolve(baseDir, values.renderer),
      host: values.host ?? '127.0.0.1',
    },
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      profile: { type: 'string' },
      port: { type: 'string' },
      relay: { type: 'string', multiple: true },
      renderer: { type: 'string' },
      host: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
