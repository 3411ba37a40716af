/**
 * A PostgreSQL server of the test's own, to stop and start at will: a fresh
 * cluster (initdb) in a temporary folder, listening on a free 127.0.0.1 port,
 * run with the machine's PostgreSQL binaries (the newest
 * /usr/lib/postgresql/<version>/bin, or PARLEY_TEST_POSTGRES_BIN). The
 * machine's server on 5432, which other tests use at the same time, is never
 * touched. PostgreSQL refuses to run as root: as root (CI), every binary runs
 * as the `postgres` user through runuser, and the folder is handed to it.
 * Its settings are the defaults (fsync on, synchronous_commit on), which
 * the relay requires; trust authentication for `postgres` on 127.0.0.1.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { appendFile, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './nginx-balancer.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';
/** pg_ctl's own bound on a start or stop, in seconds. */
const PG_CTL_TIMEOUT_S = 30;

/** The folder of initdb and pg_ctl: PARLEY_TEST_POSTGRES_BIN, or the newest version Debian's packages installed. */
function binDir(): string {
  const configured = process.env.PARLEY_TEST_POSTGRES_BIN;
  if (configured !== undefined) return configured;
  const versions = existsSync(POSTGRES_ROOT)
    ? readdirSync(POSTGRES_ROOT)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(POSTGRES_ROOT, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) {
    throw new Error(`no PostgreSQL binaries under ${POSTGRES_ROOT}/<version>/bin: set PARLEY_TEST_POSTGRES_BIN`);
  }
  return join(POSTGRES_ROOT, newest, 'bin');
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The command line that runs `binary` as a user PostgreSQL accepts. */
function asServerUser(binary: string, args: readonly string[]): [string, string[]] {
  return isRoot() ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, [...args]];
}

export type StopMode = 'fast' | 'immediate';

export class ThrowawayPostgres {
  #running = false;
  readonly #stopOnExit = (): void => {
    // The test process is going away with the server still up: stop it, synchronously.
    if (this.#running) {
      const [command, args] = this.#pgCtl(['stop', '-m', 'immediate', '-w']);
      execFileSync(command, args, { stdio: 'ignore' });
    }
  };

  private constructor(
    private readonly folder: string,
    private readonly bin: string,
    readonly port: number,
  ) {}

  /** initdb into a new temporary folder, then start the server. */
  static async start(): Promise<ThrowawayPostgres> {
    const bin = binDir();
    const folder = await mkdtemp(join(tmpdir(), 'parley-postgres-'));
    if (isRoot()) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      await chown(folder, uid, gid);
    }
    const server = new ThrowawayPostgres(folder, bin, await freePort());
    const [command, args] = asServerUser(join(bin, 'initdb'), [
      '-D',
      server.#dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C.UTF-8',
    ]);
    await run(command, args);
    await appendFile(
      join(server.#dataDir, 'postgresql.conf'),
      [
        "listen_addresses = '127.0.0.1'",
        `port = ${server.port}`,
        `unix_socket_directories = '${folder}'`,
        'shared_buffers = 16MB',
        '',
      ].join('\n'),
    );
    process.once('exit', server.#stopOnExit);
    await server.startServer();
    return server;
  }

  get #dataDir(): string {
    return join(this.folder, 'data');
  }

  /** postgres://postgres@127.0.0.1:<port>/postgres */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  #pgCtl(args: readonly string[]): [string, string[]] {
    return asServerUser(join(this.bin, 'pg_ctl'), ['-D', this.#dataDir, '-t', String(PG_CTL_TIMEOUT_S), ...args]);
  }

  /** Starts the server and waits until it accepts connections (crash recovery included). */
  async startServer(): Promise<void> {
    const [command, args] = this.#pgCtl(['-l', join(this.folder, 'server.log'), '-w', 'start']);
    await run(command, args);
    this.#running = true;
  }

  /**
   * Stops the server and waits until it is down: 'fast' as a restart does
   * (sessions ended, a clean shutdown), 'immediate' as a crash (no
   * checkpoint; the next start replays the WAL).
   */
  async stopServer(mode: StopMode): Promise<void> {
    const [command, args] = this.#pgCtl(['stop', '-m', mode, '-w']);
    await run(command, args);
    this.#running = false;
  }

  /** Stops the server if it runs and removes its folder. */
  async dispose(): Promise<void> {
    if (this.#running) await this.stopServer('immediate');
    process.off('exit', this.#stopOnExit);
    await rm(this.folder, { recursive: true, force: true });
  }
}
