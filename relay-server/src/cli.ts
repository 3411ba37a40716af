/**
 * `parley-relay` / `npm run relay`: parses flags and environment, starts the
 * relay, logs one line with the URL, the registration policy and the
 * durability report, and stops gracefully on SIGTERM or SIGINT (exit 0). A
 * second signal while stopping exits at once (exit 130), for an operator who
 * really means it. `parley-relay invite` makes invite codes instead
 * (invite-command.ts); `parley-relay migrate-to-postgres` copies a stopped
 * SQLite relay into PostgreSQL (migrate-command.ts).
 */
import { parseArgs } from 'node:util';
import {
  ConfigError,
  type FlagValue,
  helpText,
  OPTIONS,
  type OptionKey,
  type RelayConfig,
  resolveConfig,
} from './config.js';
import { parseInviteCount, runInviteCommand } from './invite-command.js';
import { createLogger } from './logging.js';
import type { RunningRelay } from './relay.js';

type ParseArgsOptions = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

interface ParsedCommand {
  readonly help: boolean;
  readonly flags: Partial<Record<OptionKey, FlagValue>>;
  /** `invite`'s --count, as given. */
  readonly count: string | undefined;
}

function parseFlags(argv: readonly string[], invite: boolean): ParsedCommand {
  const options: ParseArgsOptions = { help: { type: 'boolean', short: 'h' } };
  if (invite) options.count = { type: 'string' };
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
  const count = typeof values.count === 'string' ? values.count : undefined;
  return { help: values.help === true, flags, count };
}

/** The policy the flags and environment come to, for --help; undefined when they do not parse. */
function effectivePolicy(flags: Partial<Record<OptionKey, FlagValue>>): RelayConfig['registration'] | undefined {
  try {
    return resolveConfig(flags).registration;
  } catch {
    return undefined;
  }
}

function refuse(message: string): void {
  process.stderr.write(`parley-relay: ${message}\nRun parley-relay --help for the options.\n`);
  process.exitCode = 2;
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const invite = argv[0] === 'invite';
  const migrate = argv[0] === 'migrate-to-postgres';
  let parsed: ParsedCommand;
  let config: ReturnType<typeof resolveConfig>;
  try {
    parsed = parseFlags(invite || migrate ? argv.slice(1) : argv, invite);
    if (parsed.help) {
      process.stdout.write(helpText(effectivePolicy(parsed.flags)));
      return;
    }
    config = resolveConfig(parsed.flags);
  } catch (error) {
    refuse(error instanceof ConfigError || error instanceof TypeError ? error.message : String(error));
    return;
  }
  const output = {
    stdout: (text: string) => process.stdout.write(text),
    stderr: (text: string) => process.stderr.write(text),
  };
  if (migrate) {
    const { runMigrateCommand } = await import('./migrate-command.js');
    process.exitCode = await runMigrateCommand(config, output);
    return;
  }
  if (invite) {
    const count = parseInviteCount(parsed.count);
    if (typeof count === 'string') return refuse(count);
    process.exitCode = await runInviteCommand(config, count, output).catch((error: unknown) => {
      process.stderr.write(`parley-relay invite: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    });
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
      registration: config.registration,
      dataDir: config.dataDir,
      store: config.store,
      durability: relay.durability,
    },
    `relay listening on ${relay.url} (registration: ${config.registration})`,
  );
  if (config.registration === 'invite' && config.store === 'memory') {
    logger.warn(
      'registration is invite-only but --store memory keeps no invite codes (`parley-relay invite` writes them to the database): no new account can register; use --registration open for experiments',
    );
  } else if (config.registration === 'invite' && config.registrationIsDefault) {
    logger.info(
      'new accounts need an invite code (the default for a relay reachable beyond loopback): make codes with `npm run relay -- invite`, or choose --registration open or closed',
    );
  }

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
