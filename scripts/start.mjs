// `npm start`: a local relay on the embedded SQLite default, and the desktop
// app connected to it; with --relay URL (or PARLEY_RELAY_URL), the app alone
// against that relay, and no local one. Where no Electron runtime can be
// found (this machine, headless servers), the same renderer is served by the
// web shell instead, and the URL to open is printed.
//
// Data lives under ./.data (git-ignored): .data/relay for the relay,
// .data/electron for the Electron profile and .data/profile for the web
// shell's. --profile DIR (or PARLEY_DATA_DIR) moves all of them, for a second
// person on one computer.
//
// The web shell's port is fixed (7448, or --port / PARLEY_WEB_SHELL_PORT), so
// the page's origin, and with it the browser's IndexedDB, stays the same
// across restarts; a data folder other than ./.data keeps the port of its
// first start in web-shell-port, so two people's shells never share one.
// Other environment: PARLEY_RELAY_PORT (7447), PARLEY_SHELL=web (the web
// shell even where Electron exists), PARLEY_RENDERER_DIR (serve another
// renderer build), PARLEY_ELECTRON (the Electron binary to run instead of the
// electron package's), PARLEY_BROWSER (a Chromium-family browser to open the
// web shell's page in, as an app window whose browser data lives in the
// profile's browser-data folder — where `npm run backup -- export` looks for
// the history). `npm start -- --help` lists them all (start-options.mjs).
//
// When the local relay cannot start, the relay's own reason is printed (its
// log's error, e.g. EADDRINUSE or EEXIST: start-relay.mjs) and everything
// stops. When it stops later, the app keeps running (history readable, what
// is written waits, and the app says the relay stopped) and this says why and
// how to start it again; when the app or the web shell stops, everything does.
//
// The renderer and the Electron main process are built on the first start
// only; after changing their sources, run `npm run build -w desktop`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DEFAULT_WEB_SHELL_PORT, HELP, parseStartOptions, StartUsageError } from './start-options.mjs';
import { followRelay, RelayStartError } from './start-relay.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const desktopDir = join(root, 'desktop');

let options;
try {
  // npm runs the script in the repository root; INIT_CWD is where the user typed the command.
  options = parseStartOptions(process.argv.slice(2), process.env, { root, baseDir: process.env.INIT_CWD ?? root });
} catch (error) {
  if (!(error instanceof StartUsageError)) throw error;
  console.error(`parley: ${error.message} (npm start -- --help lists what it takes)`);
  process.exit(2);
}
if (options.help) {
  console.log(HELP);
  process.exit(0);
}

const { dataDir, relayPort } = options;
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

const children = new Set();
let stopping = false;

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  const deadline = setTimeout(() => process.exit(code), 10_000);
  deadline.unref();
  const check = setInterval(() => {
    if ([...children].every((child) => child.exitCode !== null || child.signalCode !== null)) {
      clearInterval(check);
      process.exit(code);
    }
  }, 100);
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

/**
 * Spawns a child that is stopped with everything else. `endsSession`: the
 * user closing it (the Electron window) is a normal end, not a failure.
 * `ownExit`: the caller handles the child's end itself (the relay).
 */
function start(name, command, args, { endsSession = false, ownExit = false, ...spawnOptions } = {}) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], ...spawnOptions });
  children.add(child);
  child.on('exit', (code, signal) => {
    if (stopping || ownExit) return;
    if (endsSession && code === 0) {
      console.log(`parley: the ${name} closed${options.relayUrl === null ? '; stopping the relay' : ''}.`);
      stopAll(0);
      return;
    }
    console.error(`parley: the ${name} stopped (${signal ?? `exit ${code}`}); stopping everything.`);
    stopAll(code === 0 ? 1 : (code ?? 1));
  });
  return child;
}

/**
 * Starts the relay and resolves with its URL, read from its log; rejects with
 * the relay's own reason (RelayStartError) when it exits before listening.
 * When it stops later, the app keeps running (its history stays readable,
 * what is written waits in the outbox, and the app says the relay stopped):
 * this says why and how to get it back.
 */
function startRelay() {
  const relay = start(
    'relay',
    process.execPath,
    [join(root, 'relay-server/bin/parley-relay.mjs'), '--port', relayPort, '--data-dir', join(dataDir, 'relay')],
    { ownExit: true },
  );
  return followRelay(relay, {
    print: (line) => console.log(line),
    printError: (line) => console.error(line),
    onStopped: ({ how, reason }) => {
      if (stopping) return;
      console.error(
        `parley: the relay stopped (${how}${reason === null ? '' : `: ${reason}`}). The app keeps running and ` +
          'what you write waits until the relay is back; to start it again, stop Parley with Ctrl+C and run npm start again.',
      );
    },
  });
}

/**
 * The Electron binary, or null. Checked from the files rather than by loading
 * `electron`, which would try (and here fail) to download the binary.
 */
function electronBinary() {
  if (process.env.PARLEY_ELECTRON) return existsSync(process.env.PARLEY_ELECTRON) ? process.env.PARLEY_ELECTRON : null;
  try {
    const require = createRequire(join(desktopDir, 'package.json'));
    const packageDir = dirname(require.resolve('electron/package.json'));
    const pathFile = join(packageDir, 'path.txt');
    if (!existsSync(pathFile)) return null;
    const binary = join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim());
    return existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function run(what, command, args) {
  console.log(`parley: ${what}…`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`parley: ${what} failed; see the output above.`);
    process.exit(1);
  }
}

function ensureRendererBuilt() {
  if (process.env.PARLEY_RENDERER_DIR) return resolve(process.env.PARLEY_RENDERER_DIR);
  if (!existsSync(join(desktopDir, 'dist/renderer/index.html'))) {
    run('building the renderer (first start only)', 'npm', ['run', 'build:renderer', '-w', 'desktop']);
  }
  return join(desktopDir, 'dist/renderer');
}

function ensureMainBuilt() {
  const built = ['dist/main/main.js', 'dist/preload/preload.cjs'].every((file) => existsSync(join(desktopDir, file)));
  if (!built)
    run('building the Electron main process (first start only)', 'npm', ['run', 'build:main', '-w', 'desktop']);
}

/** Resolves when 127.0.0.1:port can be bound; otherwise says why `what` cannot start, with `advice`, and stops. */
function ensurePortFree(port, what, advice) {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once('error', (error) => {
      console.error(
        `parley: port ${port} on 127.0.0.1 is taken (${error.code}), so the ${what} cannot start. ${advice}`,
      );
      stopAll(1);
    });
    probe.listen(Number(port), '127.0.0.1', () => probe.close(() => resolveFree()));
  });
}

/** A port 127.0.0.1 has free now, picked by the system. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * The web shell's port: the one given, else 7448 for the default data
 * folder, else the one this data folder used before (web-shell-port in it),
 * else a free one. A folder of its own keeps its port, so its page's origin
 * (and IndexedDB) stays the same and a second person's shell never asks for
 * the first one's.
 */
async function webShellPortFor() {
  if (!options.keepsOwnPort) return options.webShellPort ?? DEFAULT_WEB_SHELL_PORT;
  const file = join(dataDir, 'web-shell-port');
  const kept = existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) : Number.NaN;
  const port = options.webShellPort ?? (Number.isInteger(kept) && kept > 0 && kept <= 65_535 ? kept : await freePort());
  if (port !== kept) writeFileSync(file, `${port}\n`, { mode: 0o600 });
  return port;
}

function startElectron(binary, relayUrl) {
  ensureMainBuilt();
  ensureRendererBuilt();
  console.log(`parley: starting the desktop app (Electron at ${binary}).`);
  start(
    'desktop app',
    binary,
    [desktopDir, `--parley-profile=${join(dataDir, 'electron')}`, `--parley-relay=${relayUrl}`],
    { endsSession: true, stdio: ['ignore', 'inherit', 'inherit'] },
  );
}

/** The web shell, run with the exact command of its package script (node + tsx on the sources). */
async function startWebShell(relayUrl) {
  const rendererDir = ensureRendererBuilt();
  const webShellPort = await webShellPortFor();
  await ensurePortFree(
    webShellPort,
    'web shell',
    'Is Parley already running with this data folder? Stop it, or give another port with --port N (PARLEY_WEB_SHELL_PORT).',
  );
  const script = JSON.parse(readFileSync(join(desktopDir, 'package.json'), 'utf8')).scripts['web-shell'];
  const [command, ...scriptArgs] = script.split(' ');
  const shell = start(
    'web shell',
    command === 'node' ? process.execPath : command,
    [
      ...scriptArgs,
      '--profile',
      join(dataDir, 'profile'),
      '--port',
      String(webShellPort),
      '--relay',
      relayUrl,
      '--renderer',
      rendererDir,
    ],
    { cwd: desktopDir },
  );
  shell.stdout.setEncoding('utf8');
  shell.stdout.on('data', (chunk) => {
    for (const line of chunk.split('\n')) {
      if (line.startsWith('Open ')) {
        console.log(`parley: ${line} in your browser (Ctrl+C stops everything)`);
        if (process.env.PARLEY_BROWSER) openBrowser(process.env.PARLEY_BROWSER, line.slice('Open '.length).trim());
      } else if (line.trim() !== '') console.log(`web shell: ${line}`);
    }
  });
}

/**
 * Opens the page as an app window of a Chromium-family browser with its own
 * data folder inside the profile, so the history the page keeps in IndexedDB
 * sits beside the vault (and the backup CLI can export it). Closing the window
 * leaves the relay and the web shell running.
 */
function openBrowser(browser, url) {
  const profileDir = join(dataDir, 'profile');
  const browserData = join(profileDir, 'browser-data');
  // The URL carries the per-launch token; on a command line every local user
  // could read it in `ps`. A redirect page in the profile folder (0700, file
  // 0600, removed shortly after) hands it over instead.
  const redirect = join(profileDir, 'open-parley.html');
  const escaped = url.replaceAll('&', '&amp;').replaceAll('"', '&quot;');
  writeFileSync(redirect, `<!doctype html><meta http-equiv="refresh" content="0;url=${escaped}">`, { mode: 0o600 });
  setTimeout(() => rmSync(redirect, { force: true }), 15_000).unref();
  console.log(`parley: opening ${browser} (browser data in ${browserData})`);
  const window = spawn(
    browser,
    [`--app=${pathToFileURL(redirect).href}`, `--user-data-dir=${browserData}`, '--no-first-run'],
    { stdio: 'ignore' },
  );
  children.add(window);
  window.on('error', (error) => console.error(`parley: cannot open ${browser}: ${error.message}`));
  window.on('exit', () => children.delete(window));
}

/** The relay of this session: the one given with --relay, or a local one started now. */
async function sessionRelay() {
  if (options.relayUrl !== null) {
    console.log(`parley: using the relay at ${options.relayUrl}; no local relay started.`);
    return options.relayUrl;
  }
  await ensurePortFree(
    relayPort,
    'relay',
    `If another \`npm start\` runs that relay, use it: npm start -- --relay http://127.0.0.1:${relayPort} --profile DIR. ` +
      'Otherwise set PARLEY_RELAY_PORT to another port.',
  );
  const url = await startRelay().catch((error) => {
    if (!(error instanceof RelayStartError)) throw error;
    const advice =
      error.code === 'EADDRINUSE'
        ? ` Is another relay or \`npm start\` using port ${relayPort}? Stop it, or set PARLEY_RELAY_PORT to another port.`
        : '';
    console.error(`parley: ${error.message}.${advice}`);
    stopAll(1);
    return new Promise(() => {});
  });
  console.log(`parley: relay running at ${url} (data in ${join(dataDir, 'relay')})`);
  return url;
}

const relayUrl = await sessionRelay();

const binary = process.env.PARLEY_SHELL === 'web' ? null : electronBinary();
if (binary) {
  startElectron(binary, relayUrl);
} else {
  console.log(
    process.env.PARLEY_SHELL === 'web'
      ? 'parley: PARLEY_SHELL=web: starting the web shell instead of the desktop app.'
      : 'parley: no Electron runtime found on this machine; starting the web shell instead.',
  );
  await startWebShell(relayUrl);
}
