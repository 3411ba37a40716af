import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  fsyncDirectory,
  fsyncDirectorySync,
  temporaryPathBeside,
  writeFileAtomic,
  writeFileAtomicSync,
  writeTemporaryFile,
} from '../src/node/index.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-atomic-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function modeOf(path: string): number {
  return statSync(path).mode & 0o777;
}

/** Reads what an already-open descriptor sees: the file it was opened on, even after a rename replaced the name. */
function readOpen(fd: number): string {
  const buffer = Buffer.alloc(64);
  const length = readSync(fd, buffer, 0, buffer.length, 0);
  return buffer.subarray(0, length).toString('utf8');
}

async function* failingPieces(): AsyncGenerator<Uint8Array> {
  yield new Uint8Array([1, 2, 3]);
  throw new Error('source failed');
}

const writers = {
  sync: async (path: string, contents: string | Uint8Array, mode?: number) =>
    writeFileAtomicSync(path, contents, mode === undefined ? {} : { mode }),
  async: async (path: string, contents: string | Uint8Array, mode?: number) => {
    await writeFileAtomic(path, contents, mode === undefined ? {} : { mode });
  },
};

describe.each(Object.entries(writers))('writeFileAtomic (%s)', (_, write) => {
  it('writes text as UTF-8 and bytes as they are, 0600 by default', async () => {
    await write(join(dir, 'a.txt'), 'héllo\n');
    await write(join(dir, 'b.bin'), new Uint8Array([0, 255, 7]));
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('héllo\n');
    expect([...readFileSync(join(dir, 'b.bin'))]).toEqual([0, 255, 7]);
    if (process.platform !== 'win32') {
      expect(modeOf(join(dir, 'a.txt'))).toBe(0o600);
      expect(modeOf(join(dir, 'b.bin'))).toBe(0o600);
    }
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.bin']);
  });

  it.skipIf(process.platform === 'win32')('honours the mode option', async () => {
    await write(join(dir, 'shared.json'), '{}', 0o640);
    expect(modeOf(join(dir, 'shared.json'))).toBe(0o640);
  });

  it('replaces an existing file by rename: a reader of the old file keeps the old bytes', async () => {
    const path = join(dir, 'state.json');
    await write(path, 'old');
    const fd = openSync(path, 'r');
    try {
      await write(path, 'new contents');
      expect(readFileSync(path, 'utf8')).toBe('new contents');
      // Written in place, the open descriptor would see the new bytes; a rename leaves it on the old file.
      expect(readOpen(fd)).toBe('old');
    } finally {
      closeSync(fd);
    }
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('writes an empty file', async () => {
    await write(join(dir, 'empty'), '');
    expect(statSync(join(dir, 'empty')).size).toBe(0);
  });

  it('leaves no temporary file and the target untouched when the rename fails', async () => {
    const target = join(dir, 'taken');
    mkdirSync(target);
    await expect(write(target, 'data')).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
    expect(statSync(target).isDirectory()).toBe(true);
  });

  it('fails without writing anything when the folder does not exist', async () => {
    await expect(write(join(dir, 'missing', 'file'), 'data')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('writeFileAtomic with a stream of pieces', () => {
  it('writes every piece and counts the bytes', async () => {
    async function* pieces(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1, 2]);
      yield new Uint8Array(0);
      yield new Uint8Array([3]);
    }
    const path = join(dir, 'stream');
    await expect(writeFileAtomic(path, pieces())).resolves.toEqual({ bytesWritten: 3 });
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
  });

  it('removes the temporary file and keeps the old file when the stream throws', async () => {
    const path = join(dir, 'stream');
    writeFileAtomicSync(path, 'previous');
    await expect(writeFileAtomic(path, failingPieces())).rejects.toThrow('source failed');
    expect(readFileSync(path, 'utf8')).toBe('previous');
    expect(readdirSync(dir)).toEqual(['stream']);
  });

  it('writeTemporaryFile leaves the fsync’d temporary file for the caller, hidden and with the suffix', async () => {
    const path = join(dir, 'export.bin');
    const { temporary, bytesWritten } = await writeTemporaryFile(path, 'abc', { suffix: '.partial' });
    expect(bytesWritten).toBe(3);
    expect(temporary.startsWith(join(dir, '.export.bin.'))).toBe(true);
    expect(temporary.endsWith('.partial')).toBe(true);
    expect(readFileSync(temporary, 'utf8')).toBe('abc');
    expect(readdirSync(dir)).toEqual([temporary.slice(dir.length + 1)]);
  });
});

describe('temporary names and folder fsync', () => {
  it('gives a different hidden name beside the target each time', () => {
    const a = temporaryPathBeside(join(dir, 'key.json'));
    const b = temporaryPathBeside(join(dir, 'key.json'));
    expect(a).not.toBe(b);
    expect(a).toMatch(/[/\\]\.key\.json\.[0-9a-f]{12}\.tmp$/);
  });

  it('fsyncs an existing folder and refuses a missing one', async () => {
    expect(() => fsyncDirectorySync(dir)).not.toThrow();
    await expect(fsyncDirectory(dir)).resolves.toBeUndefined();
    expect(() => fsyncDirectorySync(join(dir, 'missing'))).toThrow(/ENOENT/);
    await expect(fsyncDirectory(join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
