/**
 * CPU time of the bench's process tree, by role, from /proc (Linux): what
 * the vault, Chromium and the relay each spent during a timed section. On a
 * shared 2-core machine wall time depends on what else runs; CPU seconds per
 * message much less, so the two together say whether a change made the work
 * smaller or only the wait shorter. Elsewhere (no /proc) it reports nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export type ProcessRole = 'vault' | 'relay' | 'chromium' | 'bench';

/** Kernel clock ticks per second (USER_HZ), 100 on Linux. */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  readonly ppid: number;
  readonly cpuSeconds: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ppid: Number(fields[1]), cpuSeconds: ticks / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

function roleOf(pid: number, inherited: ProcessRole): ProcessRole {
  let command: string;
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return inherited;
  }
  if (command.includes('web-shell')) return 'vault';
  if (command.includes('relay-server')) return 'relay';
  if (command.includes('chrom')) return 'chromium';
  return inherited;
}

/** Seconds of CPU (user + system) so far, per role, over `root` and all its descendants. */
export function cpuSecondsByRole(root: number = process.pid): Map<ProcessRole, number> {
  const totals = new Map<ProcessRole, number>();
  if (!existsSync('/proc/self/stat')) return totals;
  const children = new Map<number, number[]>();
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat === null) continue;
    stats.set(pid, stat);
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const visit = (pid: number, role: ProcessRole) => {
    totals.set(role, (totals.get(role) ?? 0) + (stats.get(pid)?.cpuSeconds ?? 0));
    for (const child of children.get(pid) ?? []) visit(child, roleOf(child, role));
  };
  visit(root, 'bench');
  return totals;
}

/** CPU seconds spent per role between two readings. */
export function cpuSpent(
  before: ReadonlyMap<ProcessRole, number>,
  after: ReadonlyMap<ProcessRole, number>,
): Record<ProcessRole, number> {
  const spent = (role: ProcessRole) => Math.max(0, (after.get(role) ?? 0) - (before.get(role) ?? 0));
  return { vault: spent('vault'), relay: spent('relay'), chromium: spent('chromium'), bench: spent('bench') };
}
