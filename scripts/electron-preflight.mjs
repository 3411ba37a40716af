// Before `npm run dist` spends minutes building: can electron-builder get an
// Electron distribution? It uses `electronDist` when given (`-c.electronDist=DIR`
// or `--config.electronDist=DIR`), else the zip of this Electron version in
// its download cache, else it downloads the zip (from GitHub, or
// ELECTRON_MIRROR). Where none of these can work, one line says what to do.
//
//   node scripts/electron-preflight.mjs [electron-builder args]   exit 0: can go on; 1: cannot (one line why)
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROBE_TIMEOUT_MS = 5_000;

/** The `electronDist` folder given on electron-builder's command line, or null. */
export function electronDistArgument(args) {
  for (let i = 0; i < args.length; i++) {
    const match = /^(?:-c|--config)\.electronDist(?:=(.*))?$/.exec(args[i]);
    if (match) return match[1] ?? args[i + 1] ?? '';
  }
  return null;
}

/** Where electron-builder and @electron/get keep downloaded Electron zips. */
function cacheDirs() {
  const fromEnv = process.env.ELECTRON_CACHE ?? process.env.electron_config_cache;
  if (fromEnv) return [fromEnv];
  if (process.platform === 'darwin') return [join(homedir(), 'Library/Caches/electron')];
  if (process.platform === 'win32') return [join(process.env.LOCALAPPDATA ?? homedir(), 'electron/Cache')];
  return [join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron')];
}

/** True when `name` is in `dir` or one folder below it (@electron/get keeps each zip in a hashed folder). */
function cached(dir, name) {
  if (!existsSync(dir)) return false;
  if (existsSync(join(dir, name))) return true;
  return readdirSync(dir, { withFileTypes: true }).some(
    (entry) => entry.isDirectory() && existsSync(join(dir, entry.name, name)),
  );
}

/** Whether the download URL answers at all (any HTTP status), within a few seconds. */
async function reachable(url) {
  try {
    await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
    return true;
  } catch {
    return false;
  }
}

/** null when electron-builder can get Electron, else the one line saying what to do. */
export async function electronDistProblem(args) {
  const given = electronDistArgument(args);
  if (given !== null) {
    const dir = resolve(process.env.INIT_CWD ?? process.cwd(), given);
    return existsSync(dir)
      ? null
      : `-c.electronDist=${given}: there is no folder ${dir}; give an unpacked Electron ${version()} there`;
  }
  const zip = `electron-v${version()}-${process.platform}-${process.arch}.zip`;
  if (cacheDirs().some((dir) => cached(dir, zip))) return null;
  const mirror = process.env.ELECTRON_MIRROR ?? 'https://github.com/electron/electron/releases/download/';
  const url = `${mirror.endsWith('/') ? mirror : `${mirror}/`}v${version()}/${zip}`;
  if (await reachable(url)) return null;
  return (
    `electron-builder needs Electron ${version()} (${zip}) and cannot download it from ${new URL(url).origin}: ` +
    'run this on a machine with internet access once (the zip is cached), or pass an unpacked Electron with ' +
    '`npm run dist:dir -- -c.electronDist=DIR`'
  );
}

function version() {
  return JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problem = await electronDistProblem(process.argv.slice(2));
  if (problem !== null) {
    console.error(`parley: ${problem}`);
    process.exit(1);
  }
}
