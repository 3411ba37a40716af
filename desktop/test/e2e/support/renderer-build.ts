/**
 * The renderer, built once for the sources as they are: every end-to-end file
 * asks for it, the first builds it (web-shell/support/build-renderer.ts, the
 * package's own `npm run build:renderer`) into a folder named by a hash of
 * its inputs, and the others (in parallel workers or later runs) reuse it. A
 * lock folder keeps two workers from building the same thing at once; the
 * build goes to a temporary folder renamed into place, so a reader never
 * sees half a build.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildRenderer } from '../../web-shell/support/build-renderer.js';
import { DESKTOP_DIR } from '../../web-shell/support/shell-process.js';
import { ARTEFACTS_DIR } from './artefacts.js';

const REPO_DIR = join(DESKTOP_DIR, '..');

/** What the Vite build reads: the renderer, the shared vault API, crypto-core's sources and the build config. */
const BUILD_INPUTS = [
  'desktop/src/renderer',
  'desktop/src/common',
  'crypto-core/src',
  'desktop/vite.config.ts',
  'desktop/package.json',
  'crypto-core/package.json',
];

const LOCK_STALE_MS = 5 * 60_000;
const BUILD_WAIT_MS = 5 * 60_000;
/** Builds of older sources are removed after this long (a worker of the same run may still use one). */
const OLD_BUILD_AGE_MS = 60 * 60_000;

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.name !== 'node_modules' && entry.name !== 'dist')
    .flatMap((entry) => filesUnder(join(path, entry.name)));
}

export function rendererInputsHash(): string {
  const hash = createHash('sha256');
  for (const input of BUILD_INPUTS) {
    for (const file of filesUnder(join(REPO_DIR, input)).sort()) {
      hash.update(relative(REPO_DIR, file));
      hash.update('\0');
      hash.update(readFileSync(file));
      hash.update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function tryLock(lockDir: string): boolean {
  try {
    mkdirSync(lockDir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // A worker that died mid-build leaves its lock behind.
    if (Date.now() - statSync(lockDir).mtimeMs > LOCK_STALE_MS) rmSync(lockDir, { recursive: true, force: true });
    return false;
  }
}

function removeOldBuilds(keep: string): void {
  for (const entry of readdirSync(ARTEFACTS_DIR)) {
    if (!entry.startsWith('renderer-') || entry === keep) continue;
    const path = join(ARTEFACTS_DIR, entry);
    if (Date.now() - statSync(path).mtimeMs > OLD_BUILD_AGE_MS) rmSync(path, { recursive: true, force: true });
  }
}

/** The folder holding a build of the current sources (built now if there is none). */
export async function builtRenderer(): Promise<string> {
  mkdirSync(ARTEFACTS_DIR, { recursive: true });
  const name = `renderer-${rendererInputsHash()}`;
  const dir = join(ARTEFACTS_DIR, name);
  const lockDir = `${dir}.lock`;
  const deadline = Date.now() + BUILD_WAIT_MS;
  while (!existsSync(join(dir, 'index.html'))) {
    if (tryLock(lockDir)) {
      try {
        if (!existsSync(join(dir, 'index.html'))) {
          const staging = `${dir}.building-${process.pid}`;
          await buildRenderer(staging);
          rmSync(dir, { recursive: true, force: true });
          renameSync(staging, dir);
        }
      } finally {
        rmSync(lockDir, { recursive: true, force: true });
      }
      removeOldBuilds(name);
      break;
    }
    if (Date.now() > deadline) throw new Error(`no renderer build appeared in ${dir} within ${BUILD_WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return dir;
}
