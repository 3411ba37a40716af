/**
 * Relay nodes for the scale-out tests: processes on one fresh PostgreSQL
 * schema and one Redis key/channel prefix per test file (the machine's Redis,
 * PARLEY_TEST_REDIS_URL to point elsewhere), with the shared secrets every
 * node of one relay needs; such nodes behind nginx; and a TCP pass-through in
 * front of Redis or PostgreSQL that a test can cut and restore.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { routes } from '@parley/crypto-core/wire';
import { RelayHttp, RelayProcess } from '@parley/test-support';
import { dropTestSchema, newTestSchemaName, TEST_POSTGRES_URL } from '../storage/postgres-harness.js';
import { freePort, NginxBalancer } from './nginx-balancer.js';

export const TEST_REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface ClusterOptions {
  /** Redis URL the nodes use (default TEST_REDIS_URL); null: no --redis at all. */
  readonly redisUrl?: string | null;
  /** PostgreSQL URL the nodes use (default TEST_POSTGRES_URL; the schema is dropped through that one). */
  readonly postgresUrl?: string;
  /** Extra flags for every node. */
  readonly args?: readonly string[];
}

export class TestCluster {
  readonly schema = newTestSchemaName();
  readonly redisPrefix = `parley-test-${randomBytes(6).toString('hex')}:`;
  readonly #jwtSecret = randomBytes(32).toString('base64');
  readonly nodes: RelayProcess[] = [];

  constructor(private readonly options: ClusterOptions = {}) {}

  nodeArgs(extra: readonly string[] = []): string[] {
    const redisUrl = this.options.redisUrl === undefined ? TEST_REDIS_URL : this.options.redisUrl;
    return [
      '--postgres',
      this.options.postgresUrl ?? TEST_POSTGRES_URL,
      '--postgres-schema',
      this.schema,
      ...(redisUrl === null ? [] : ['--redis', redisUrl, '--redis-prefix', this.redisPrefix]),
      '--registration',
      'open',
      ...(this.options.args ?? []),
      ...extra,
    ];
  }

  /** Starts `count` nodes together (sealed-sender keys are per node: these tests send unsealed). */
  async start(count: number, extra: readonly string[] = []): Promise<RelayProcess[]> {
    const started = await Promise.all(
      Array.from({ length: count }, () =>
        RelayProcess.start({ args: this.nodeArgs(extra), env: { PARLEY_RELAY_JWT_SECRET: this.#jwtSecret } }),
      ),
    );
    this.nodes.push(...started);
    return started;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.dispose()));
    await dropTestSchema(this.schema);
  }
}

export interface BalancedCluster {
  readonly cluster: TestCluster;
  readonly nodes: RelayProcess[];
  readonly nginx: NginxBalancer;
  /** Stops nginx, then the nodes, and drops the schema. */
  dispose(): Promise<void>;
}

/**
 * `count` nodes behind nginx on a free port, clients to connect through
 * nginx only: login signatures name nginx's URL (--public-url), and the
 * send burst is raised for the tests' streams.
 */
export async function startBehindNginx(options: ClusterOptions = {}, count = 3): Promise<BalancedCluster> {
  const port = await freePort();
  const cluster = new TestCluster({
    ...options,
    args: ['--public-url', `http://127.0.0.1:${port}`, '--send-burst', '1000', ...(options.args ?? [])],
  });
  try {
    const nodes = await cluster.start(count);
    const nginx = await NginxBalancer.start(
      port,
      nodes.map((node) => node.url),
    );
    return {
      cluster,
      nodes,
      nginx,
      async dispose() {
        await nginx.dispose();
        await cluster.dispose();
      },
    };
  } catch (error) {
    await cluster.dispose();
    throw error;
  }
}

/** A node's GET /healthz: status and body. */
export async function healthOf(node: RelayProcess): Promise<{ status: number; body: unknown }> {
  return new RelayHttp(node.url).request(routes.health);
}

/**
 * A TCP pass-through on a free 127.0.0.1 port to Redis or PostgreSQL: cut()
 * drops every connection and refuses new ones, as a server that stopped or
 * restarted would, without touching the server other tests use.
 */
export class CuttableTcp {
  readonly #sockets = new Set<Socket>();
  #server: Server | null = null;
  port = 0;

  private constructor(private readonly target: URL) {}

  /** `target`: the server's URL (redis:// or postgres://). */
  static async start(target = TEST_REDIS_URL): Promise<CuttableTcp> {
    const proxy = new CuttableTcp(new URL(target));
    await proxy.restore();
    return proxy;
  }

  /** The target's URL with this pass-through's address in it. */
  get url(): string {
    const url = new URL(this.target.href);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.href;
  }

  /** Listens (again, on the same port once it has one) and forwards to Redis. */
  async restore(): Promise<void> {
    const server = createServer((client) => {
      const defaultPort = this.target.protocol.startsWith('postgres') ? 5432 : 6379;
      const upstream = tcpConnect(Number(this.target.port || defaultPort), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          this.#sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address !== null && typeof address === 'object') this.port = address.port;
    this.#server = server;
  }

  /** The server stops answering but keeps its connections open (a stalled Redis): nothing is forwarded. */
  stall(): void {
    for (const socket of this.#sockets) socket.pause();
  }

  /** Forwards again after stall(). */
  unstall(): void {
    for (const socket of this.#sockets) socket.resume();
  }

  /** Redis goes away: open connections drop, new ones are refused. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    for (const socket of this.#sockets) socket.destroy();
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
