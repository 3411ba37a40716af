/**
 * A small stand-in for the built renderer (for the HTTP tests, which should
 * not depend on a Vite build), inside a parent folder holding a file that
 * must never be served.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RendererFixture {
  /** The folder to serve. */
  readonly rendererDir: string;
  /** Beside rendererDir; traversal attempts aim at it. */
  readonly secretFile: string;
  remove(): void;
}

export const FIXTURE_FILES = {
  'index.html': '<!doctype html><title>fixture</title><script type="module" src="./assets/app.js"></script>',
  'assets/app.js': 'console.log("app");',
  'assets/app.css': 'body { color: black; }',
  'assets/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  'assets/data.bin': 'binary',
  'assets/module.wasm': '\0asm',
  '.hidden': 'dotfile',
} as const;

export const SECRET_CONTENT = 'parley-secret-outside-the-renderer';

export function createRendererFixture(): RendererFixture {
  const parent = mkdtempSync(join(tmpdir(), 'parley-web-shell-'));
  const rendererDir = join(parent, 'renderer');
  for (const [name, content] of Object.entries(FIXTURE_FILES)) {
    const path = join(rendererDir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, content);
  }
  const secretFile = join(parent, 'secret.txt');
  writeFileSync(secretFile, SECRET_CONTENT);
  // A symlink inside the folder that points out of it must not be followed out.
  symlinkSync(secretFile, join(rendererDir, 'assets', 'escape.txt'));
  return { rendererDir, secretFile, remove: () => rmSync(parent, { recursive: true, force: true }) };
}
