// `npm run check:electron`: Doyensec's Electronegativity over the Electron
// shell's own code (desktop/src/main/*.ts and desktop/src/preload/preload.cts),
// as part of `npm test`. Every finding must be either fixed in code or listed
// with its reason in desktop/electronegativity.json; anything else fails,
// and so does a listed reason that no longer matches a finding (a stale
// justification would otherwise excuse a future one unseen).
//
// Electronegativity parses TypeScript itself (typescript-estree), but reads
// only .js/.ts/.html files: the preload (.cts) is scanned as a copy named
// preload.ts. A file it cannot parse is a failure, never a skipped file.
//
//   node scripts/check-electron.mjs [--config FILE] [--main DIR] [--preload FILE]
//   exit 0: nothing unjustified; 1: one line per problem
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export const DEFAULT_SOURCES = {
  config: join(root, 'desktop/electronegativity.json'),
  mainDir: join(root, 'desktop/src/main'),
  preloadFile: join(root, 'desktop/src/preload/preload.cts'),
};

/**
 * Electronegativity fetches message translations from its project's site
 * (got, 1 s timeout) before every scan. Checks here talk to no one: its `got`
 * is replaced, before the tool loads, by one that fails at once, and the tool
 * falls back to its bundled English messages (its own fallback). The only
 * other user of `got` is the online Electron-release check, which is excluded.
 */
function keepOffline() {
  const toolRequire = createRequire(require.resolve('@doyensec/electronegativity/dist/locales/i18n.js'));
  const gotPath = toolRequire.resolve('got');
  const offline = () => Promise.reject(new Error('no network in checks'));
  require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: offline };
}

/** The scanned tree: main/<file>.ts and preload/preload.ts, so findings name files the same way everywhere. */
function stageSources(mainDir, preloadFile) {
  const stage = mkdtempSync(join(tmpdir(), 'parley-electronegativity-'));
  mkdirSync(join(stage, 'main'));
  mkdirSync(join(stage, 'preload'));
  for (const name of readdirSync(mainDir).filter((file) => file.endsWith('.ts'))) {
    copyFileSync(join(mainDir, name), join(stage, 'main', name));
  }
  copyFileSync(preloadFile, join(stage, 'preload', basename(preloadFile).replace(/\.[cm]?ts$/, '.ts')));
  return stage;
}

function electronVersion() {
  return JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version;
}

/** Whether `justification` excuses `issue`: same check, same file, and the flagged code contains its `code`. */
function excuses(justification, issue) {
  if (justification.check !== issue.id || justification.file !== issue.file) return false;
  return justification.code === undefined || (issue.sample ?? '').includes(justification.code);
}

/**
 * Runs the scan and returns the problems, one sentence each (empty: passed).
 * `config`: { excludedChecks: [{check, why}], justified: [{check, file, code?, why}] }.
 */
export async function checkElectron({ config, mainDir, preloadFile } = DEFAULT_SOURCES) {
  const settings = JSON.parse(readFileSync(config, 'utf8'));
  const problems = [];
  for (const entry of [...settings.excludedChecks, ...settings.justified]) {
    if (typeof entry.why !== 'string' || entry.why.trim().length < 20) {
      problems.push(`${config}: ${entry.check} has no reason ("why") worth the name`);
    }
  }
  const stage = stageSources(mainDir, preloadFile);
  let result;
  try {
    keepOffline();
    const run = require('@doyensec/electronegativity');
    // Its own log lines ("Could not retrieve updated translations": see keepOffline) go to the console; only the result counts.
    result = await run({
      input: stage,
      isRelative: true,
      electronVersionOverride: electronVersion(),
      excludeFromScan: settings.excludedChecks.map((entry) => entry.check),
      severitySet: 'informational',
      confidenceSet: 'tentative',
    });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
  for (const error of result.errors) {
    problems.push(`electronegativity could not read ${basename(error.file)}: ${error.message}`);
  }
  const used = new Set();
  for (const found of result.issues) {
    // Relative paths come with the OS's separator; the configuration uses '/'.
    const issue = { ...found, file: found.file.replaceAll('\\', '/') };
    const justification = settings.justified.find((entry) => excuses(entry, issue));
    if (justification) {
      used.add(justification);
      continue;
    }
    const where = issue.file === 'N/A' ? 'the app as a whole' : `${issue.file}:${issue.location.line}`;
    const sample = (issue.sample ?? '').split('\n')[0].trim().slice(0, 120);
    problems.push(
      `${issue.id} (${issue.severity.name}, ${issue.confidence.name}) at ${where}${sample ? `: ${sample}` : ''}`,
    );
  }
  for (const entry of settings.justified.filter((candidate) => !used.has(candidate))) {
    problems.push(`stale justification: ${entry.check} in ${entry.file} matches no finding any more; remove it`);
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: { config: { type: 'string' }, main: { type: 'string' }, preload: { type: 'string' } },
  });
  const problems = await checkElectron({
    config: values.config ? resolve(values.config) : DEFAULT_SOURCES.config,
    mainDir: values.main ? resolve(values.main) : DEFAULT_SOURCES.mainDir,
    preloadFile: values.preload ? resolve(values.preload) : DEFAULT_SOURCES.preloadFile,
  });
  if (problems.length > 0) {
    for (const problem of problems) console.error(`check:electron: ${problem}`);
    console.error(
      `check:electron: ${problems.length} problem(s); fix the code, or justify a finding in desktop/electronegativity.json`,
    );
    process.exit(1);
  }
  console.log('check:electron: no unjustified Electronegativity finding in desktop/src/main and desktop/src/preload');
}
