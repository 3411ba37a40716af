/**
 * nginx (the Debian package's binary) in front of relay nodes, configured
 * with the very block docs/relay.md shows under "Load balancing with nginx"
 * (round robin, no sticky sessions, websocket upgrade headers, a dead node
 * skipped for the next). Runs as a non-daemon child with its own temporary
 * prefix, pid file and logs, on 127.0.0.1 only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX_BIN = process.env.PARLEY_TEST_NGINX ?? '/usr/sbin/nginx';
const START_TIMEOUT_MS = 10_000;

/** A port free on 127.0.0.1 right now (the nodes need the balancer's URL before it starts). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address !== 'object') throw new Error('no port');
  return address.port;
}

const DOCS = fileURLToPath(new URL('../../../docs/relay.md', import.meta.url));

/**
 * The http-level configuration docs/relay.md shows under "Load balancing
 * with nginx", with its upstream servers swapped for `upstreams`, `listen`
 * for 127.0.0.1:`port` without TLS, and its error log for `errorLog`. Throws
 * when the block no longer has the lines swapped, so the docs cannot drift
 * away from what this test runs.
 */
export async function documentedRelayConfig(
  port: number,
  upstreams: readonly string[],
  errorLog: string,
): Promise<string> {
  const docs = await readFile(DOCS, 'utf8');
  const section = docs.slice(docs.indexOf('### Load balancing with nginx'));
  const block = /```nginx\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('docs/relay.md has no nginx block under "Load balancing with nginx"');
  const servers = [...block.matchAll(/^(\s*)server \S+:\d+ (.*);$/gm)];
  if (servers.length !== upstreams.length) {
    throw new Error(`the documented upstream has ${servers.length} servers, the test ${upstreams.length} nodes`);
  }
  let index = 0;
  const swaps: [RegExp, (line: string, ...groups: string[]) => string][] = [
    [
      /^(\s*)server \S+:\d+ (.*);$/gm,
      (_line, indent, rest) => `${indent}server ${new URL(upstreams[index++] ?? '').host} ${rest};`,
    ],
    [/^(\s*)listen 443 ssl;$/m, (_line, indent) => `${indent}listen 127.0.0.1:${port};`],
    [/^\s*ssl_certificate(_key)?\s.*\n/gm, () => ''],
    [/^(\s*)error_log \S+ crit;$/m, (_line, indent) => `${indent}error_log ${errorLog} warn;`],
  ];
  let config = block;
  for (const [pattern, replace] of swaps) {
    if (!pattern.test(config)) throw new Error(`the documented nginx block has no line matching ${pattern}`);
    pattern.lastIndex = 0;
    config = config.replace(pattern, replace as (substring: string, ...args: string[]) => string);
  }
  return config;
}

export class NginxBalancer {
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly prefix: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(port: number, upstreams: readonly string[]): Promise<NginxBalancer> {
    const prefix = await mkdtemp(join(tmpdir(), 'parley-nginx-'));
    // Workers may run as another user (nginx started as root): they write temp files here.
    await chmod(prefix, 0o777);
    const balancer = new NginxBalancer(prefix, port);
    const config = `daemon off;
worker_processes 1;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'client_body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
${await documentedRelayConfig(port, upstreams, join(prefix, 'error.log'))}
}
`;
    await writeFile(join(prefix, 'nginx.conf'), config);
    await balancer.#launch();
    return balancer;
  }

  async #launch(): Promise<void> {
    const child = spawn(
      NGINX_BIN,
      ['-p', this.prefix, '-c', join(this.prefix, 'nginx.conf'), '-e', join(this.prefix, 'error.log')],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    this.#exited = new Promise((resolve) => {
      child.once('exit', () => {
        process.off('exit', killOnExit);
        this.#child = null;
        resolve();
      });
    });
    this.#child = child;
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (this.#child === null) throw new Error(`nginx exited at start:\n${output}\n${await this.errorLog()}`);
      try {
        await fetch(`${this.url}/healthz`);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    child.kill('SIGKILL');
    throw new Error(`nginx did not listen:\n${output}\n${await this.errorLog()}`);
  }

  async errorLog(): Promise<string> {
    return readFile(join(this.prefix, 'error.log'), 'utf8').catch(() => '');
  }

  /** Fast shutdown (SIGTERM), then removes the prefix. */
  async dispose(): Promise<void> {
    if (this.#child !== null) {
      this.#child.kill('SIGTERM');
      await this.#exited;
    }
    await rm(this.prefix, { recursive: true, force: true });
  }
}
