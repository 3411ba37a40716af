/**
 * The built renderer as files, for both hosts that serve it (the web shell
 * over HTTP, Electron main over its app:// protocol). A request path maps to
 * a file inside the renderer folder or to nothing: `..` and `.` segments (raw
 * or percent-encoded), encoded slashes and backslashes, NUL bytes and
 * dotfiles are refused before the file system is touched, and the resolved
 * real path (symlinks followed) must still lie inside the folder.
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

/** Why a path maps to no file; the status is HTTP's, the code the web shell's (a subset of WebShellErrorCode). */
export interface FileRefusal {
  readonly status: 400 | 403 | 404;
  readonly code: 'BAD_REQUEST' | 'FORBIDDEN' | 'NOT_FOUND';
  readonly message: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(filePath: string): string {
  return CONTENT_TYPES[extname(filePath).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticLookup = { readonly kind: 'file'; readonly path: string; readonly size: number } | FileRefusal;

const notFound: FileRefusal = { status: 404, code: 'NOT_FOUND', message: 'no such file' };
const traversal: FileRefusal = { status: 403, code: 'FORBIDDEN', message: 'path leaves the renderer folder' };

/**
 * The decoded path segments of a request target, or a refusal. `target` is
 * the raw request target (Node does not normalise it: `/../x` arrives as is).
 */
export function requestPathSegments(target: string): readonly string[] | FileRefusal {
  if (!target.startsWith('/')) {
    return { status: 400, code: 'BAD_REQUEST', message: 'the request target must be an absolute path' };
  }
  const rawPath = target.split(/[?#]/, 1)[0] ?? '';
  const segments: string[] = [];
  for (const rawSegment of rawPath.split('/').slice(1)) {
    let segment: string;
    try {
      segment = decodeURIComponent(rawSegment);
    } catch {
      return { status: 400, code: 'BAD_REQUEST', message: 'malformed percent-encoding in path' };
    }
    if (segment === '..' || segment === '.') return traversal;
    // An encoded separator or NUL inside one segment would let a later join re-split it.
    if (segment.includes('/') || segment.includes('\\') || segment.includes('\0')) return traversal;
    segments.push(segment);
  }
  return segments;
}

function isRefusal(value: readonly string[] | FileRefusal): value is FileRefusal {
  return !Array.isArray(value);
}

export class StaticFiles {
  /** `root` must be a real path (no symlinks): resolve it with fs.realpath first. */
  constructor(private readonly root: string) {}

  async lookup(target: string): Promise<StaticLookup> {
    const segments = requestPathSegments(target);
    if (isRefusal(segments)) return segments;
    const last = segments.at(-1);
    const fileSegments = last === undefined || last === '' ? [...segments.slice(0, -1), 'index.html'] : segments;
    if (fileSegments.some((segment) => segment === '' || segment.startsWith('.'))) return notFound;

    const candidate = join(this.root, ...fileSegments);
    if (!candidate.startsWith(this.root + sep)) return traversal;
    let real: string;
    let size: number;
    try {
      real = await realpath(candidate);
      if (!real.startsWith(this.root + sep)) return traversal;
      const info = await stat(real);
      if (!info.isFile()) return notFound;
      size = info.size;
    } catch {
      // Missing, or gone between the two calls (a rebuild): either way, not here.
      return notFound;
    }
    return { kind: 'file', path: real, size };
  }
}

export function isStaticRefusal(lookup: StaticLookup): lookup is FileRefusal {
  return !('kind' in lookup);
}
