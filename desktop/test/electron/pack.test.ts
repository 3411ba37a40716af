/**
 * Packs the app with the repository's electron-builder.yml (the `dir` target
 * for Linux) and reads what app.asar holds. Electron itself cannot be
 * fetched here, so electron-builder gets a stand-in Electron folder
 * (electronDist): a binary that carries Electron's fuse wire with Electron's
 * default values, and an empty resources/. That yields the real app.asar and
 * app.asar.unpacked, and shows the fuses electron-builder flipped.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { extractFile, listPackage, statFile } from '@electron/asar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const desktopDir = join(repoRoot, 'desktop');

/** @electron/fuses' sentinel; the wire follows it: version 1, length, one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const FUSES = [
  'RunAsNode',
  'EnableCookieEncryption',
  'EnableNodeOptionsEnvironmentVariable',
  'EnableNodeCliInspectArguments',
  'EnableEmbeddedAsarIntegrityValidation',
  'OnlyLoadAppFromAsar',
  'LoadBrowserProcessSpecificV8Snapshot',
  'GrantFileProtocolExtraPrivileges',
] as const;
/** Electron's own defaults ('1' on, '0' off), as a real binary ships them. */
const ELECTRON_DEFAULT_WIRE = '10110001';

/** Packages only development needs; none may ship. */
const DEV_ONLY_PACKAGES = [
  'electron',
  'electron-builder',
  'app-builder-lib',
  'vitest',
  'vite',
  'svelte',
  'svelte-check',
  '@sveltejs/vite-plugin-svelte',
  'typescript',
  'tsx',
  'esbuild',
  '@playwright/test',
  'playwright-core',
  'fake-indexeddb',
  '@biomejs/biome',
  '@types/node',
];

let work: string;
let resources: string;
let binary: string;
let asarPath: string;
let entries: string[];

function readFuses(file: string): Record<(typeof FUSES)[number], string> {
  const bytes = readFileSync(file);
  const at = bytes.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  if (at < FUSE_SENTINEL.length) throw new Error('no fuse wire in the packed binary');
  const length = bytes[at + 1] ?? 0;
  const wire = bytes.subarray(at + 2, at + 2 + length).toString('latin1');
  return Object.fromEntries(FUSES.map((name, i) => [name, wire[i] ?? '?'])) as Record<(typeof FUSES)[number], string>;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'parley-pack-'));
  // What `npm run dist` builds first: main, preload and everything under them (tsc), and the renderer (Vite).
  await run('npx', ['tsc', '-b'], { cwd: desktopDir });
  await run('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: desktopDir });

  const electronDist = join(work, 'electron');
  mkdirSync(join(electronDist, 'resources'), { recursive: true });
  writeFileSync(
    join(electronDist, 'electron'),
    Buffer.concat([
      Buffer.from('#!/bin/sh\necho "stand-in Electron: cannot run" >&2\nexit 1\n'),
      Buffer.from(FUSE_SENTINEL),
      Buffer.from([1, FUSES.length]),
      Buffer.from(ELECTRON_DEFAULT_WIRE),
    ]),
    { mode: 0o755 },
  );
  const output = join(work, 'out');
  await run(
    'npx',
    [
      'electron-builder',
      '--config',
      'electron-builder.yml',
      '--linux',
      'dir',
      `-c.electronDist=${electronDist}`,
      `-c.directories.output=${output}`,
      // Rebuilding native addons for Electron needs its headers from the internet.
      '-c.npmRebuild=false',
    ],
    { cwd: repoRoot, env: { ...process.env, CI: '1' } },
  );
  resources = join(output, 'linux-unpacked', 'resources');
  binary = join(output, 'linux-unpacked', 'parley');
  asarPath = join(resources, 'app.asar');
  entries = listPackage(asarPath, { isPack: false });
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed app (electron-builder --linux dir)', () => {
  it('is named parley and holds the built main, preload and renderer, with package.json pointing at main', () => {
    expect(existsSync(binary)).toBe(true);
    const manifest = JSON.parse(extractFile(asarPath, 'package.json').toString('utf8'));
    expect(manifest.main).toBe('dist/main/main.js');
    expect(manifest.type).toBe('module');
    for (const file of [
      '/dist/main/main.js',
      '/dist/main/protocol.js',
      '/dist/main/ipc.js',
      '/dist/preload/preload.cjs',
      '/dist/host/renderer-files.js',
      '/dist/vault/index.js',
      '/dist/vault/passphrase-kdf-worker.js',
      '/dist/common/dispatch.js',
      '/dist/renderer/index.html',
    ]) {
      expect(entries, file).toContain(file);
    }
    expect(entries.some((entry) => /^\/dist\/renderer\/assets\/.+\.js$/.test(entry))).toBe(true);
    expect(extractFile(asarPath, 'dist/preload/preload.cjs').toString('utf8')).toContain('exposeInMainWorld');
    expect(existsSync(join(resources, 'icon.png'))).toBe(true);
  });

  it('holds crypto-core, built, without its sources', () => {
    expect(entries).toContain('/node_modules/@parley/crypto-core/package.json');
    expect(entries).toContain('/node_modules/@parley/crypto-core/dist/index.js');
    expect(entries).toContain('/node_modules/@parley/crypto-core/dist/wire/index.js');
    // What the vault's key-derivation worker loads (vault/passphrase-kdf-worker.ts).
    expect(entries).toContain('/node_modules/@parley/crypto-core/dist/at-rest/passphrase-key.js');
    expect(entries.filter((entry) => entry.startsWith('/node_modules/@parley/crypto-core/src/'))).toEqual([]);
  });

  it('unpacks the native addons (libsignal, better-sqlite3) beside the archive', () => {
    const nativeFiles = [
      'node_modules/@signalapp/libsignal-client/prebuilds/linux-x64/@signalapp+libsignal-client.node',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    ];
    for (const file of nativeFiles) {
      expect(existsSync(join(resources, 'app.asar.unpacked', file)), file).toBe(true);
      expect(statFile(asarPath, file), file).toMatchObject({ unpacked: true });
    }
    // Nothing native is left inside the archive, where it could not load.
    for (const entry of entries.filter((name) => name.endsWith('.node'))) {
      expect(statFile(asarPath, entry.slice(1)), entry).toMatchObject({ unpacked: true });
    }
    // Other operating systems' prebuilds stay out.
    expect(entries.some((entry) => /prebuilds\/(darwin|win32)-/.test(entry))).toBe(false);
  });

  it('ships no development-only packages, sources, source maps, tests, benchmarks or the web shell', () => {
    for (const name of DEV_ONLY_PACKAGES) {
      expect(
        entries.filter((entry) => entry.startsWith(`/node_modules/${name}/`)),
        name,
      ).toEqual([]);
    }
    expect(entries.filter((entry) => /\.(ts|cts|mts|map)$/.test(entry))).toEqual([]);
    expect(entries.filter((entry) => entry.startsWith('/src/') || entry.startsWith('/test/'))).toEqual([]);
    expect(entries.filter((entry) => entry.startsWith('/dist/web-shell/'))).toEqual([]);
    // The benchmark pages (bench/, bench/ui/) and their own script chunks.
    expect(entries.filter((entry) => entry.startsWith('/dist/') && entry.includes('bench'))).toEqual([]);
    expect(entries.filter((entry) => entry.startsWith('/build/') || entry.startsWith('/release/'))).toEqual([]);
  });

  it('flips the fuses: no run-as-node, NODE_OPTIONS or --inspect; the app loads only from a checked asar', () => {
    expect(readFuses(binary)).toEqual({
      RunAsNode: '0',
      EnableCookieEncryption: '1',
      EnableNodeOptionsEnvironmentVariable: '0',
      EnableNodeCliInspectArguments: '0',
      EnableEmbeddedAsarIntegrityValidation: '1',
      OnlyLoadAppFromAsar: '1',
      // Not configured: Electron's default stays.
      LoadBrowserProcessSpecificV8Snapshot: '0',
      GrantFileProtocolExtraPrivileges: '0',
    });
  });
});
