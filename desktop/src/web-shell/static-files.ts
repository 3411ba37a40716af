/**
 * The built renderer as static HTTP responses. Which file a path names (and
 * every traversal refusal) is host/renderer-files.ts, shared with Electron's
 * app:// protocol.
 */
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { contentTypeFor } from '../host/renderer-files.js';

export {
  contentTypeFor,
  isStaticRefusal,
  requestPathSegments,
  StaticFiles,
  type StaticLookup,
} from '../host/renderer-files.js';

export function sendStaticFile(
  response: ServerResponse,
  file: { readonly path: string; readonly size: number },
  headers: Readonly<Record<string, string>>,
  headOnly: boolean,
): void {
  response.writeHead(200, { ...headers, 'Content-Type': contentTypeFor(file.path), 'Content-Length': file.size });
  if (headOnly) {
    response.end();
    return;
  }
  const stream = createReadStream(file.path);
  // A file that vanishes mid-response (a rebuild) ends the response; the headers are already out.
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}
