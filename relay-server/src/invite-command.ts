/**
 * `parley-relay invite [--count N] [options]` (`npm run relay -- invite`):
 * makes N one-time invite codes in the relay's data folder and prints them,
 * one per line, on stdout (a note with their expiry goes to stderr). It
 * opens the SQLite database as a second process would, so it works while the
 * relay runs (WAL; writers wait for each other), and takes the relay's own
 * options and PARLEY_RELAY_* variables for the data folder, the synchronous
 * level and --invite-ttl. Only the codes' hashes are stored.
 */
import type { RelayConfig } from './config.js';

export const MAX_INVITES_PER_RUN = 1000;

export interface InviteOutput {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** Parses --count: a whole number from 1 to MAX_INVITES_PER_RUN; undefined means 1. */
export function parseInviteCount(text: string | undefined): number | string {
  if (text === undefined) return 1;
  const count = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  return count >= 1 && count <= MAX_INVITES_PER_RUN
    ? count
    : `--count must be a whole number from 1 to ${MAX_INVITES_PER_RUN}`;
}

/** Creates the codes in the configured store (SQLite or PostgreSQL); returns the process exit code (0, or 2 for a store that keeps nothing). */
export async function runInviteCommand(config: RelayConfig, count: number, output: InviteOutput): Promise<number> {
  if (config.store === 'memory') {
    output.stderr('parley-relay invite: invite codes live in the relay database; --store memory keeps none\n');
    return 2;
  }
  // Loaded only now, like the relay itself: --help and flag errors stay fast.
  const [{ ensureDataFolder }, { openStore, storeConfigOf }, { createInviteCodes }] = await Promise.all([
    import('./data-folder.js'),
    import('./storage/index.js'),
    import('./auth/invites.js'),
  ]);
  await ensureDataFolder(config.dataDir);
  const { store } = await openStore(storeConfigOf(config));
  try {
    const { codes, expiresAt } = await createInviteCodes(store, count, Date.now(), config.inviteTtlMs);
    output.stdout(`${codes.join('\n')}\n`);
    const noun = codes.length === 1 ? 'invite code' : 'invite codes';
    const where = config.store === 'postgres' ? 'on PostgreSQL' : `in ${config.dataDir}`;
    output.stderr(
      `${codes.length} ${noun} for the relay ${where}, each good for one new account until ${new Date(expiresAt).toISOString()}.\n`,
    );
    if (config.registration !== 'invite') {
      output.stderr(
        `Note: a relay started with these settings uses registration policy "${config.registration}", which ${config.registration === 'open' ? 'needs no code' : 'accepts no code'}; start it with --registration invite.\n`,
      );
    }
    return 0;
  } finally {
    await store.close();
  }
}
