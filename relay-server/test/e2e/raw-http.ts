/**
 * Raw HTTP requests that ordinary clients cannot make: a body shorter than its
 * declared length, a chunked body larger than any limit. For bad-input tests.
 */
import { type ClientRequest, request as httpRequest } from 'node:http';
import { connect as connectSocket } from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * The relay's answer to a request the test is still writing. Once the relay
 * has answered, a reset of the unsent rest is expected, not a failure.
 */
function answerOf(req: ClientRequest): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('error', (error) => {
      if (!req.destroyed) reject(error);
    });
  });
}

/**
 * POSTs with a Content-Length header of `declared` bytes but writes only
 * `partial`, then waits for the answer (a relay must refuse from the header).
 */
export function postDeclaringLength(url: string, declared: number, partial: string): Promise<RawAnswer> {
  const req = httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': String(declared) },
  });
  const answer = answerOf(req);
  req.write(partial);
  return answer;
}

/**
 * POSTs a chunked body (no declared length) of up to `chunks` x 64 KiB over a
 * raw socket, stopping once the relay answers. A raw socket because the relay
 * may answer and close while chunks are still being written: an HTTP client
 * then reports EPIPE and drops the answer, which this reads regardless.
 */
export function postChunked(url: string, chunks: number): Promise<RawAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connectSocket(Number(target.port), target.hostname);
    let received = '';
    let sent = 0;
    const chunk = 'a'.repeat(64 * 1024);
    const frame = (data: string): string => `${Buffer.byteLength(data).toString(16)}\r\n${data}\r\n`;
    const writeMore = (): void => {
      while (received === '' && sent < chunks && !socket.destroyed) {
        sent++;
        if (!socket.write(frame(chunk))) {
          socket.once('drain', writeMore);
          return;
        }
      }
    };
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => {
      received += data;
    });
    // Writes after the relay closed fail; what it answered before is still read.
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      const match = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(received);
      if (match === null) {
        reject(new Error(`no HTTP answer: ${JSON.stringify(received.slice(0, 200))}`));
        return;
      }
      const [, status, rest] = match as unknown as [string, string, string];
      // The answer may itself be chunked: take the JSON object inside.
      const json = /\{[\s\S]*\}/.exec(rest)?.[0];
      resolve({ status: Number(status), body: json === undefined ? undefined : JSON.parse(json) });
    });
    socket.once('connect', () => {
      socket.write(
        `POST ${target.pathname} HTTP/1.1\r\nhost: ${target.host}\r\ncontent-type: application/json\r\n` +
          'transfer-encoding: chunked\r\nconnection: close\r\n\r\n',
      );
      socket.write(frame('{"x":"'));
      writeMore();
    });
    // End once the answer is in, whether or not the relay closes first.
    socket.on('data', () => {
      if (/\r\n\r\n/.test(received) && /\}/.test(received)) socket.end();
    });
  });
}
