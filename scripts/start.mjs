// `npm start`: a local relay on the embedded SQLite default, and the desktop
// app connected to it. Where no Electron runtime can be found (this machine,
// headless servers), the same renderer is served by the web shell instead, and
// the URL to open is printed.
//
// Data lives under ./.data (git-ignored): .data/relay for the relay,
// .data/electron for the Electron profile and .data/profile for the web
// shell's. PARLEY_DATA_DIR moves all of them.
//
// Environment: PARLEY_RELAY_PORT (7447), PARLEY_WEB_SHELL_PORT (7448: fixed,
// so the page's origin, and with it the browser's IndexedDB, stays the same
// across restarts), PARLEY_SHELL=web (the web shell even where Electron
// exists), PARLEY_RENDERER_DIR (serve another renderer build), PARLEY_ELECTRON
// (the Electron binary to run instead of the electron package's),
// PARLEY_BROWSER (a Chromium-family browser to open the web shell's page in,
// as an app window whose browser data lives in the profile's browser-data
// folder — where `npm run backup -- export` looks for the history).
//
// The renderer and the Electron main process are built on the first start
// only; after changing their sources, run `npm run build -w desktop`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HELP = `Usage: npm start [-- --help]

Starts a local relay (embedded SQLite) and the Parley desktop app connected
to it; where no Electron runtime exists, the web shell instead, and prints
the URL to open. Ctrl+C stops everything. Configured by environment:

  PARLEY_DATA_DIR        data folder (default ./.data: relay/, electron/, profile/)
  PARLEY_RELAY_PORT      relay port on 127.0.0.1 (default 7447)
  PARLEY_WEB_SHELL_PORT  web shell port (default 7448; fixed, so the browser keeps its data)
  PARLEY_SHELL=web       the web shell even where Electron exists
  PARLEY_RENDERER_DIR    serve another renderer build
  PARLEY_ELECTRON        the Electron binary to run instead of the electron package's
  PARLEY_BROWSER         a Chromium-family browser to open the web shell's page in

Options:
  -h, --help             show this help`;

try {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
} catch (error) {
  // Node's message names the flag ("Unknown option '--colour'. ..."): its first sentence is the line.
  console.error(`parley: ${error.message.split('. ')[0]} (npm start -- --help lists what it takes)`);
  process.exit(2);
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const desktopDir = join(root, 'desktop');
const dataDir = resolve(process.env.PARLEY_DATA_DIR ?? join(root, '.data'));
const relayPort = process.env.PARLEY_RELAY_PORT ?? '7447';
const webShellPort = process.env.PARLEY_WEB_SHELL_PORT ?? '7448';
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
 */
function start(name, command, args, { endsSession = false, ...options } = {}) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], ...options });
  children.add(child);
  child.on('exit', (code, signal) => {
    if (stopping) return;
    if (endsSession && code === 0) {
      console.log(`parley: the ${name} closed; stopping the relay.`);
      stopAll(0);
      return;
    }
    console.error(`parley: the ${name} stopped (${signal ?? `exit ${code}`}); stopping everything.`);
    stopAll(code === 0 ? 1 : (code ?? 1));
  });
  return child;
}

/** Starts the relay and resolves with its URL, read from its first log line. */
function startRelay() {
  const relay = start('relay', process.execPath, [
    join(root, 'relay-server/bin/parley-relay.mjs'),
    '--port',
    relayPort,
    '--data-dir',
    join(dataDir, 'relay'),
  ]);
  return new Promise((resolveUrl, reject) => {
    let buffered = '';
    relay.stdout.setEncoding('utf8');
    relay.stdout.on('data', (chunk) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        try {
          const entry = JSON.parse(line);
          if (typeof entry.url === 'string') resolveUrl(entry.url);
          if (entry.level >= 50) console.error(`relay: ${entry.msg}`);
        } catch {
          // Not JSON: pass it through untouched.
          console.log(`relay: ${line}`);
        }
      }
    });
    relay.on('exit', () => reject(new Error('the relay did not start')));
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

/** Resolves when 127.0.0.1:port can be bound; exits with a clear message when it is taken. */
function ensurePortFree(port, what, variable) {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once('error', (error) => {
      console.error(
        `parley: port ${port} on 127.0.0.1 is taken (${error.code}), so the ${what} cannot start. ` +
          `Is Parley already running? Stop it, or set ${variable} to another port.`,
      );
      stopAll(1);
    });
    probe.listen(Number(port), '127.0.0.1', () => probe.close(() => resolveFree()));
  });
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
  await ensurePortFree(webShellPort, 'web shell', 'PARLEY_WEB_SHELL_PORT');
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
      webShellPort,
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

const relayUrl = await startRelay().catch((error) => {
  console.error(`parley: ${error.message}. Is port ${relayPort} free? (set PARLEY_RELAY_PORT)`);
  process.exit(1);
});
console.log(`parley: relay running at ${relayUrl} (data in ${join(dataDir, 'relay')})`);

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
