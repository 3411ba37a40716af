/**
 * The generated wire reference (docs/wire-reference.md) against the relay
 * itself, so neither can drift from the other: every route the relay
 * registers is one of crypto-core's `httpEndpoints` and in the reference (and
 * the reverse), every client event of the reference is one the relay answers,
 * and every error code the relay can return is listed with the HTTP status the
 * relay gives it. The reference's own freshness is crypto-core's test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  clientEventSchemas,
  httpEndpoints,
  RelayErrorCode,
  routes,
  serverEventSchemas,
} from '@parley/crypto-core/wire';
import type { DeviceSocket } from '@parley/test-support';
import { connect, httpOf, RelayProcess, registerDevice } from '@parley/test-support';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayContext } from '../src/context.js';
import { RelayServerError } from '../src/errors.js';
import { registerRelayRoutes } from '../src/http/app.js';

const reference = readFileSync(new URL('../../docs/wire-reference.md', import.meta.url), 'utf8');
const relayDoc = readFileSync(new URL('../../docs/relay.md', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The `## heading` section of a Markdown document, up to the next `## `. */
function section(doc: string, heading: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`);
  expect(start, `section ${heading}`).toBeGreaterThanOrEqual(0);
  const end = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, end < 0 ? undefined : end);
}

/**
 * Method and path of every route the relay registers, but Fastify's automatic
 * HEAD routes (a HEAD on a path that has a GET); a HEAD of its own stays.
 */
function registeredRoutes(): string[] {
  const app = Fastify();
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) routes.push(`${method} ${route.url}`);
  });
  // Registering reads nothing of the context: the handlers capture it for later.
  registerRelayRoutes(app, {} as RelayContext);
  const gets = new Set(routes.filter((route) => route.startsWith('GET ')).map((route) => route.slice(4)));
  return routes.filter((route) => !(route.startsWith('HEAD ') && gets.has(route.slice(5)))).sort();
}

/** Every `RelayErrorCode.X` the relay's sources name, as wire codes. */
function codesNamedInSources(): RelayErrorCode[] {
  const root = fileURLToPath(new URL('../src', import.meta.url));
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts'));
  const keys = new Set<string>();
  for (const file of files) {
    for (const match of readFileSync(join(root, file), 'utf8').matchAll(/RelayErrorCode\.(\w+)/g)) {
      if (match[1] !== undefined) keys.add(match[1]);
    }
  }
  return [...keys].map((key) => {
    const code = (RelayErrorCode as Record<string, RelayErrorCode | undefined>)[key];
    if (code === undefined) throw new Error(`RelayErrorCode.${key} is no code`);
    return code;
  });
}

/** GitHub's anchors of a Markdown document's headings. */
function anchorsOf(doc: string): Set<string> {
  const headings = doc.split('\n').filter((line) => /^#{1,6} /.test(line));
  return new Set(
    headings.map((line) =>
      line
        .replace(/^#+ /, '')
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replaceAll(' ', '-'),
    ),
  );
}

describe('links into the wire reference', () => {
  it('from docs/protocol.md and docs/relay.md each lead to one of its headings', () => {
    const anchors = anchorsOf(reference);
    const protocolDoc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    let links = 0;
    for (const doc of [protocolDoc, relayDoc]) {
      for (const [, anchor] of doc.matchAll(/\(wire-reference\.md#([^)]+)\)/g)) {
        expect(anchors, `wire-reference.md#${anchor}`).toContain(anchor);
        links++;
      }
    }
    expect(links).toBeGreaterThan(10);
  });
});

describe('HTTP routes', () => {
  const endpoints = httpEndpoints.map((endpoint) => `${endpoint.method} ${endpoint.path}`).sort();

  it("are exactly crypto-core's httpEndpoints", () => {
    const registered = registeredRoutes();
    expect(registered.length).toBeGreaterThan(10);
    expect(registered).toEqual(endpoints);
  });

  it('are each in the wire reference, and in the HTTP API tables of docs/relay.md and the README', () => {
    const tables = {
      'docs/relay.md': section(relayDoc, 'HTTP API'),
      'relay-server/README.md': section(readme, 'HTTP API'),
    };
    for (const route of registeredRoutes()) {
      expect(reference, route).toContain(`| \`${route}\` |`);
      for (const [doc, table] of Object.entries(tables)) expect(table, `${doc}: ${route}`).toContain(`\`${route}\``);
    }
    // ...and neither names a route the relay does not have.
    for (const [doc, table] of Object.entries(tables)) {
      for (const [, named] of table.matchAll(/`((?:GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) \/[^`\s]*)/g)) {
        expect(endpoints, `${doc} HTTP API names ${named}`).toContain(named);
      }
    }
  });
});

describe('error codes', () => {
  const named = codesNamedInSources();

  it('the relay returns are in the wire reference with the HTTP status the relay answers', () => {
    expect(named.length).toBeGreaterThan(15);
    for (const code of named) {
      const status = new RelayServerError(code, 'test').httpStatus;
      expect(reference, code).toContain(`| \`${code}\` | ${status} |`);
    }
  });

  it('each have a row in docs/relay.md, Errors, opening with that status', () => {
    const rows = section(relayDoc, 'Errors')
      .split('\n')
      .filter((line) => line.startsWith('| `'));
    for (const code of Object.values(RelayErrorCode)) {
      const status = new RelayServerError(code, 'test').httpStatus;
      const row = rows.find((line) => line.startsWith(`| \`${code}\` |`));
      expect(row, code).toBeDefined();
      expect(row, code).toMatch(new RegExp(`^\\| \`${code}\` \\| ${status}\\b`));
    }
  });
});

describe('a running relay', () => {
  let relay: RelayProcess;
  let socket: DeviceSocket;
  beforeAll(async () => {
    relay = await RelayProcess.start();
    const device = await registerDevice(httpOf(relay));
    socket = await connect(relay, device.token);
  });
  afterAll(async () => {
    socket.close();
    await relay.dispose();
  });

  it('serves the committed reference at GET /v1/wire-reference', async () => {
    const response = await fetch(`${relay.url}${routes.wireReference}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(await response.text()).toBe(reference);
  });

  it('speaks only socket events that are in the wire reference', () => {
    for (const event of [...Object.keys(clientEventSchemas), ...Object.keys(serverEventSchemas)]) {
      expect(reference, event).toContain(`| \`${event}\` |`);
    }
  });

  it("answers each client event of the reference through the event's acknowledgement", async () => {
    const emit = socket.socket.emit as (event: string, ...args: unknown[]) => void;
    for (const [event, { ack }] of Object.entries(clientEventSchemas)) {
      // An empty payload is invalid for every event: the relay refuses it in the acknowledgement.
      const answer = await new Promise<unknown>((resolve) => emit.call(socket.socket, event, {}, resolve));
      const parsed = ack.safeParse(answer);
      expect(parsed.success, event).toBe(true);
      expect(answer, event).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    }
    // None of them was taken for an unknown event.
    expect(socket.relayErrors).toEqual([]);
  });
});
