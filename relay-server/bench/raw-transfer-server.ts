/**
 * The attachment benchmark's baseline: a bare Node HTTP server that stores
 * a PUT body in a file (fsynced, as the relay stores a blob) and sends it back
 * on GET, with nothing else: no authentication, no protocol, no crypto.
 * Prints a JSON line with its URL, as the relay does.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

const folder = process.argv[2];
if (folder === undefined) throw new Error('usage: raw-transfer-server.ts FOLDER');
const file = join(folder, 'raw.bin');

const server = createServer((request, response) => {
  if (request.method === 'PUT') {
    void (async () => {
      const handle = await open(file, 'w');
      let position = 0;
      for await (const chunk of request as AsyncIterable<Buffer>) {
        await handle.write(chunk, 0, chunk.byteLength, position);
        position += chunk.byteLength;
      }
      await handle.sync();
      await handle.close();
      response.writeHead(204).end();
    })().catch((error: unknown) => response.destroy(error as Error));
    return;
  }
  void stat(file).then(
    (info) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': info.size });
      createReadStream(file).pipe(response);
    },
    () => response.writeHead(404).end(),
  );
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${address.port}` })}\n`);
});
