/**
 * The main process's own command-line switches (Chromium ignores switches
 * it does not know, and we ignore Chromium's):
 *
 *   --parley-profile=DIR   the profile folder (default: Electron's userData)
 *   --parley-relay=URL     a relay to allow and offer by default; repeatable
 */
import { resolve } from 'node:path';

export interface AppArgs {
  readonly profileDir: string | null;
  readonly relayUrls: readonly string[];
}

function switchValue(arg: string, name: string): string | null {
  const prefix = `--${name}=`;
  return arg.startsWith(prefix) ? arg.slice(prefix.length) : null;
}

export function parseAppArgs(argv: readonly string[], cwd: string): AppArgs {
  let profileDir: string | null = null;
  const relayUrls: string[] = [];
  for (const arg of argv) {
    const profile = switchValue(arg, 'parley-profile');
    if (profile !== null && profile !== '') profileDir = resolve(cwd, profile);
    const relay = switchValue(arg, 'parley-relay');
    if (relay !== null && relay !== '') relayUrls.push(relay);
  }
  return { profileDir, relayUrls };
}
