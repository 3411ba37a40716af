/**
 * `parley-relay` / `npm run relay`: parses flags and environment, starts the
 * relay, logs one line with the URL and the durability report, and stops
 * gracefully on SIGTERM or SIGINT (exit 0). A second signal while stopping
 * exits at once (exit 130), for an operator who really means it.
 */
import { parseArgs } from 'node:util';
import { ConfigError, type FlagValue, helpText, OPTIONS, type OptionKey, resolveConfig } from './config.js';
import { createLogger } from './logging.js';
import type { RunningRelay } from './relay.js';

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

function parseFlags(argv: readonly string[]): { help: boolean; flags: Partial<Record<OptionKey, FlagValue>> } {
  const options: ParseArgsOptions = { help: { type: 'boolean', short: 'h' } };
  for (const spec of Object.values(OPTIONS)) {
    // Without `multiple`, parseArgs would silently keep only the last of a repeated flag.
    options[spec.flag] = { type: 'valueName' in spec ? 'string' : 'boolean', multiple: 'repeatable' in spec };
  }
  const { values } = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true });
  const flags: Partial<Record<OptionKey, FlagValue>> = {};
  for (const [key, spec] of Object.entries(OPTIONS) as Array<[OptionKey, (typeof OPTIONS)[OptionKey]]>) {
    const value = values[spec.flag];
    if (typeof value === 'string' || typeof value === 'boolean') flags[key] = value;
    else if (Array.isArray(value)) flags[key] = value.filter((item): item is string => typeof item === 'string');
  }
  return { help: values.help === true, flags };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let parsed: ReturnType<typeof parseFlags>;
  let config: ReturnType<typeof resolveConfig>;
  try {
    parsed = parseFlags(argv);
    if (parsed.help) {
      process.stdout.write(helpText());
      return;
    }
    config = resolveConfig(parsed.flags);
  } catch (error) {
    const message = error instanceof ConfigError || error instanceof TypeError ? error.message : String(error);
    process.stderr.write(`parley-relay: ${message}\nRun parley-relay --help for the options.\n`);
    process.exitCode = 2;
    return;
  }

  const logger = createLogger(config.logLevel);
  let relay: RunningRelay;
  try {
    // Loaded only now, so --help and flag errors answer without loading libsignal, SQLite and Fastify.
    const { startRelay } = await import('./relay.js');
    relay = await startRelay(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, 'the relay could not start');
    process.exitCode = 1;
    return;
  }
  logger.info(
    {
      url: relay.url,
      publicUrls: relay.publicUrls,
      dataDir: config.dataDir,
      store: config.store,
      durability: relay.durability,
    },
    `relay listening on ${relay.url}`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
