// `npm start`: a local relay on the embedded SQLite default, and the desktop
// app connected to it. Where no Electron runtime can be found (this machine,
// headless servers), the same renderer is served by the web shell instead, and
// the URL to open is printed.
//
// Data lives under ./.data (git-ignored): .data/relay for the relay, and
// .data/profile for the desktop profile. PARLEY_DATA_DIR moves both.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = resolve(process.env.PARLEY_DATA_DIR ?? join(root, '.data'));
const relayPort = process.env.PARLEY_RELAY_PORT ?? '7447';
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

function start(name, command, args, options = {}) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], ...options });
  children.add(child);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`parley: the ${name} stopped (${signal ?? `exit ${code}`}); stopping everything.`);
      stopAll(code === 0 ? 1 : (code ?? 1));
    }
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
 * True when the Electron runtime binary is installed. Checked from the files
 * rather than by loading `electron`, which would try (and here fail) to
 * download the binary.
 */
function electronRuntimeAvailable() {
  try {
    const require = createRequire(join(root, 'desktop/package.json'));
    const packageDir = dirname(require.resolve('electron/package.json'));
    const pathFile = join(packageDir, 'path.txt');
    if (!existsSync(pathFile)) return false;
    return existsSync(join(packageDir, 'dist', readFileSync(pathFile, 'utf8').trim()));
  } catch {
    return false;
  }
}

function ensureRendererBuilt() {
  if (existsSync(join(root, 'desktop/dist/renderer/index.html'))) return;
  console.log('parley: building the renderer (first start only)…');
  const build = spawnSync('npm', ['run', 'build:renderer', '-w', 'desktop'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('parley: building the renderer failed; see the output above.');
    process.exit(1);
  }
}

const relayUrl = await startRelay().catch((error) => {
  console.error(`parley: ${error.message}. Is port ${relayPort} free? (set PARLEY_RELAY_PORT)`);
  process.exit(1);
});
console.log(`parley: relay running at ${relayUrl} (data in ${join(dataDir, 'relay')})`);

if (electronRuntimeAvailable()) {
  console.log('parley: an Electron runtime was found, but the Electron shell is not built yet; using the web shell.');
} else {
  console.log('parley: no Electron runtime found on this machine; starting the web shell instead.');
}
ensureRendererBuilt();
const shell = start('web shell', 'npm', [
  'run',
  '--silent',
  'web-shell',
  '-w',
  'desktop',
  '--',
  '--profile',
  join(dataDir, 'profile'),
  '--port',
  process.env.PARLEY_WEB_SHELL_PORT ?? '0',
  '--relay',
  relayUrl,
]);
shell.stdout.setEncoding('utf8');
shell.stdout.on('data', (chunk) => {
  for (const line of chunk.split('\n')) {
    if (line.startsWith('Open ')) console.log(`parley: ${line} in your browser (Ctrl+C stops everything)`);
    else if (line.trim() !== '') console.log(`web shell: ${line}`);
  }
});
